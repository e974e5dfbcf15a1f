using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Kubelet.Volumes;
using Skiff.Kubelet.Env;
using Skiff.Kubelet.Eviction;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Images;
using Skiff.Kubelet.Network;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Server;

namespace Skiff.Kubelet.Node;

/// <summary>
/// The node agent (kubelet): registers the Node, serves logs over HTTPS, waits for the pod CIDR, prepares the pod
/// network, has the caller start the container runtime, then runs the pod workers; the Lease and node status loops
/// run throughout. An API client of the server like every other part (DESIGN rule 1).
/// </summary>
internal sealed partial class NodeAgent(
    NodeAgentOptions options,
    ApiConnection connection,
    IContainerRuntime runtime,
    X509Certificate2 servingCertificate,
    X509Certificate2 clusterCa,
    Func<CancellationToken, Task> startRuntime,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Skiff.Kubelet");
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the runtime is up and pod workers run.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The pod manager, once running (tests and the benchmark read its worker count).</summary>
    public PodManager? Pods { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var paths = new AgentPaths(options.DataDir);
        Directory.CreateDirectory(paths.Root);
        var machine = MachineInfo.Read(paths.Root);
        var registrar = new NodeRegistrar(options, connection, runtime, machine, time, loggerFactory.CreateLogger("Skiff.Kubelet.Node"));
        var node = await registrar.RegisterAsync(cancellationToken).ConfigureAwait(false);

        var objects = new ApiObjectSource(connection);
        var recorder = new EventRecorder(connection.For<Corev1Event>(ApiResource.Events), "kubelet", options.NodeName, time, loggerFactory.CreateLogger("Skiff.Client.Events"));
        await using var probes = new KubeletProbes(runtime, time, loggerFactory, recorder);
        var volumes = new KubeletVolumes(new VolumeManager(objects, new TokenRequestTokenSource(connection, time), new LinuxMounter(), time, loggerFactory.CreateLogger<VolumeManager>()), paths.PodsData);
        using var http = new HttpClient();
        EvictionManager? eviction = null;
        var status = NodeStatusBuilder.Build(options, machine, new NodeStatusBuilder.RuntimeHealth(false, "", null), 0, [], null, DateTime.UtcNow);
        var serviceClient = connection.For<V1Service>(ApiResource.Services);
        var serviceInformer = new Skiff.Client.Cache.SharedInformer<V1Service>(new Skiff.Client.Cache.ListWatch<V1Service>(serviceClient), new Skiff.Client.Cache.InformerOptions(), time, loggerFactory.CreateLogger("Skiff.Client.Informer"), "services");
        var context = new PodWorkerContext
        {
            Options = options,
            Paths = paths,
            Runtime = runtime,
            Pods = connection.For<V1Pod>(ApiResource.Pods),
            Images = new ImagePuller(runtime, (ns, name, ct) => objects.GetSecretAsync(ns, name, ct), time),
            Volumes = volumes,
            Env = new EnvResolver(objects),
            Probes = probes,
            Hooks = new LifecycleHooks(runtime, http, time),
            Machine = machine,
            NodeAllocatable = status.Allocatable,
            ServiceEnv = new ServiceLister(serviceInformer.Indexer, () => serviceInformer.HasSynced, serviceClient).EnvironmentAsync,
            StartGate = new PodStartGate(options.MaxParallelSandboxStarts, options.SandboxStartSlotLimit, time),
            Admit = pod => eviction?.Admit(pod),
            Events = recorder,
            Time = time,
            Logger = loggerFactory.CreateLogger("Skiff.Kubelet.Pods"),
        };
        var pods = new PodManager(context, connection);
        Pods = pods;

        var cgroups = new Server.Stats.CgroupReader();
        var stats = new Server.Stats.StatsProvider(runtime, cgroups, options.CgroupRoot, options.NodeName, paths.Root, time);
        eviction = NewEvictionManager(paths, pods, stats, cgroups, recorder, registrar);
        await using var server = await KubeletServer.StartAsync(options.NodeAddress, options.KubeletPort, servingCertificate, clusterCa, options.ServingCertificateSelector, pods, runtime,
            stats, time, loggerFactory, cancellationToken).ConfigureAwait(false);
        registrar.KubeletPort = server.Port;
        Log.Serving(_logger, options.NodeName, options.NodeAddress.ToString(), server.Port);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var statusLoop = Task.Run(() => registrar.RunStatusLoopAsync(stop.Token), CancellationToken.None);
        var leaseLoop = Task.Run(() => registrar.RunLeaseLoopAsync(node, stop.Token), CancellationToken.None);
        var events = Task.Run(() => recorder.RunAsync(stop.Token), CancellationToken.None);
        var probeResults = Task.Run(() => probes.RunAsync(pods.Wake, stop.Token), CancellationToken.None);
        var serviceWatch = Task.Run(() => serviceInformer.RunAsync(stop.Token), CancellationToken.None);
        var nodeRoutes = Task.CompletedTask;
        var evictions = Task.CompletedTask;
        try
        {
            var podCidr = await registrar.WaitForPodCidrAsync(cancellationToken).ConfigureAwait(false);
            await new PodNetwork(paths, loggerFactory.CreateLogger("Skiff.Kubelet.Network")).PrepareAsync(podCidr, options.ClusterCidr, options.ServiceCidr, options.ClusterDns, cancellationToken).ConfigureAwait(false);
            nodeRoutes = RunNodeRoutesAsync(stop.Token);
            await startRuntime(cancellationToken).ConfigureAwait(false);
            registrar.RuntimeStarted = true;
            registrar.Kick();
            _ready.TrySetResult();
            evictions = Task.Run(() => eviction.RunAsync(stop.Token), CancellationToken.None);
            await pods.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(statusLoop, leaseLoop, events, probeResults, nodeRoutes, evictions, serviceWatch).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The eviction manager over this node's stats and pods; its pressure conditions go into the node status at once.</summary>
    private EvictionManager NewEvictionManager(AgentPaths paths, PodManager pods, Server.Stats.StatsProvider stats, Server.Stats.CgroupReader cgroups, EventRecorder recorder, NodeRegistrar registrar)
    {
        var logger = loggerFactory.CreateLogger("Skiff.Kubelet.Eviction");
        var manager = new EvictionManager(options.Eviction, options.NodeName, new NodeEvictionStats(runtime, stats, cgroups, paths, options.CgroupRoot, time), pods,
            new NodeReclaimer(runtime, () => pods.WorkerUids, ContainerdConfig.PauseImage, time, logger), recorder, time, logger);
        registrar.Pressure = () => manager.Pressure;
        manager.PressureChanged += _ => registrar.Kick();
        return manager;
    }

    /// <summary>Routes the other nodes' pod CIDRs via their addresses (host-gw), from a Node informer of its own.</summary>
    private Task RunNodeRoutesAsync(CancellationToken cancellationToken) => Task.Run(async () =>
    {
        var informers = new Skiff.Client.Cache.InformerFactory(connection, new Skiff.Client.Cache.InformerOptions(), time, loggerFactory);
        var routes = new NodeRoutes(informers.For<V1Node>(ApiResource.Nodes), options.NodeName, options.ClusterCidr, loggerFactory.CreateLogger("Skiff.Kubelet.Network"));
        informers.Start(cancellationToken);
        await routes.RunAsync(cancellationToken).ConfigureAwait(false);
    }, CancellationToken.None);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "KubeletServing", Level = LogLevel.Information, Message = "node agent {Node}: serving on https://{Address}:{Port}")]
        public static partial void Serving(ILogger logger, string node, string address, int port);
    }
}
