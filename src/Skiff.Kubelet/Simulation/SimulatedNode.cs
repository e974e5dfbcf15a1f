using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Kubelet.Env;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Images;
using Skiff.Kubelet.Node;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime.Simulated;

namespace Skiff.Kubelet.Simulation;

/// <summary>
/// One node of <c>skiff sim</c>: the node agent's own registration, Lease and status loops (<see cref="NodeRegistrar"/>)
/// and pod workers (<see cref="PodManager"/>) on a <see cref="SimulatedRuntime"/>, with no containerd, CNI, nftables,
/// mounts or HTTPS server. Probes are not run (every container is ready once running, as in KWOK); httpGet hooks get
/// 200 without traffic. The pods come from a <see cref="SharedPodFeed"/> shared by every simulated node of the process.
/// </summary>
internal sealed class SimulatedNode
{
    private readonly NodeAgentOptions _options;
    private readonly ApiConnection _connection;
    private readonly SharedPodFeed _feed;
    private readonly MachineInfo _machine;
    private readonly SemaphoreSlim _registrationGate;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly HttpClient _hooksHttp;
    private readonly TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SimulatedNode(NodeAgentOptions options, ApiConnection connection, SharedPodFeed feed, SimulatedRuntime runtime, MachineInfo machine, SemaphoreSlim registrationGate, HttpClient hooksHttp, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        _connection = connection;
        _feed = feed;
        Runtime = runtime;
        _machine = machine;
        _registrationGate = registrationGate;
        _hooksHttp = hooksHttp;
        _time = time;
        _loggerFactory = loggerFactory;
    }

    public string Name => _options.NodeName;

    public SimulatedRuntime Runtime { get; }

    /// <summary>Completes when the Node is registered.</summary>
    public Task Registered => _registered.Task;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = _loggerFactory.CreateLogger("Skiff.Sim.Node");
        var registrar = new NodeRegistrar(_options, _connection, Runtime, _machine, _time, logger) { RuntimeStarted = true };
        V1Node node;
        await _registrationGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            node = await registrar.RegisterAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _registrationGate.Release();
        }

        _registered.TrySetResult();
        var objects = new ApiObjectSource(_connection);
        var recorder = new EventRecorder(_connection.For<Corev1Event>(ApiResource.Events), "kubelet", _options.NodeName, _time, _loggerFactory.CreateLogger("Skiff.Client.Events"));
        var status = NodeStatusBuilder.Build(_options, _machine, new NodeStatusBuilder.RuntimeHealth(true, "", null), 0, [], null, _time.GetUtcNow().UtcDateTime);
        var context = new PodWorkerContext
        {
            Options = _options,
            Paths = new AgentPaths(_options.DataDir),
            Runtime = Runtime,
            Pods = _connection.For<V1Pod>(ApiResource.Pods),
            Images = new ImagePuller(Runtime, (ns, name, ct) => objects.GetSecretAsync(ns, name, ct), _time),
            Volumes = new SimulatedVolumes(),
            Env = new EnvResolver(objects),
            Probes = new NoContainerProbes(),
            Hooks = new LifecycleHooks(Runtime, _hooksHttp, _time),
            Machine = _machine,
            NodeAllocatable = status.Allocatable,
            ServiceEnv = null,
            Time = _time,
            Logger = logger,
        };
        var pods = new PodManager(context, _connection, _feed);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var statusLoop = Task.Run(() => registrar.RunStatusLoopAsync(stop.Token), CancellationToken.None);
        var leaseLoop = Task.Run(() => registrar.RunLeaseLoopAsync(node, stop.Token), CancellationToken.None);
        var events = Task.Run(() => recorder.RunAsync(stop.Token), CancellationToken.None);
        try
        {
            await pods.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(statusLoop, leaseLoop, events).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
