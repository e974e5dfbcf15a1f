using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Certificates;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Kubeconfig;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Node;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime.Simulated;
using Skiff.Kubelet.Simulation;
using Skiff.Server;

namespace Skiff.Sim;

/// <summary>
/// <c>skiff sim --nodes N</c>: N simulated node agents in this one process for scale tests (like KWOK). Each registers
/// a Node, renews its Lease, writes its status and runs its pods' workers on a <see cref="SimulatedRuntime"/>; all of
/// them share one API connection, one pod informer (dispatched by node name) and one node informer. Every 30 s (and
/// once all nodes are registered) it logs how many containers run and the process's resident memory per node.
/// </summary>
internal sealed partial class SimCommand(ILoggerFactory loggerFactory, TimeProvider time)
{
    /// <summary>The sim's own pod range for nodes the server's IPAM gave no pod CIDR (its cluster CIDR holds 256 /24s); a /24 per node, never routed.</summary>
    internal const string FallbackRange = "100.64.0.0/10";

    private readonly ILogger _logger = loggerFactory.CreateLogger("Skiff.Sim");

    public async Task<int> RunAsync(SimOptions options, CancellationToken cancellationToken)
    {
        if (options.Nodes is < 1 or > 16384)
        {
            Log.Fatal(_logger, $"--nodes {options.Nodes}: must be between 1 and 16384");
            return 1;
        }

        using var connection = Connect(options);
        if (connection is null)
        {
            return 1;
        }

        using var hooksHttp = new HttpClient(new SimulatedHttpHandler());
        var feed = new SharedPodFeed(connection, time, loggerFactory.CreateLogger("Skiff.Sim.Pods"));
        var nodes = new SharedInformer<V1Node>(new ListWatch<V1Node>(connection.For<V1Node>(ApiResource.Nodes)), new InformerOptions(), time, loggerFactory.CreateLogger("Skiff.Sim.Nodes"), "nodes");
        using var gate = new SemaphoreSlim(Math.Max(1, options.RegistrationConcurrency));
        var machine = MachineInfo.Read(options.DataDir);
        var runtimeOptions = new SimulatedRuntimeOptions { StartDelay = options.StartDelay, FailureRate = options.FailureRate };
        var simulated = new List<SimulatedNode>(options.Nodes);
        for (var i = 0; i < options.Nodes; i++)
        {
            var name = $"{options.NamePrefix}-{i}";
            var fallback = FallbackCidr(i);
            var runtime = new SimulatedRuntime(runtimeOptions, () => nodes.Indexer.Get(null, name)?.Spec?.PodCIDR is { Length: > 0 } cidr ? cidr : fallback, time, new Random(options.Seed + i));
            var agentOptions = new NodeAgentOptions
            {
                NodeName = name,
                DataDir = Path.Combine(options.DataDir, name),
                NodeAddress = IPAddress.Loopback,
                KubeletPort = 0,
                KubeletVersion = "v1.33.0+skiff-sim",
                // Simulated containers only exit when a start fails (seen by the worker at once) or when stopped.
                RelistInterval = TimeSpan.FromSeconds(10),
            };
            var nodeMachine = machine with
            {
                Cpus = options.Cpus,
                MemoryBytes = options.MemoryBytes,
                EphemeralStorageBytes = 1L << 40,
                MachineId = name,
                SystemUuid = name,
                OsImage = "Skiff simulated node",
            };
            simulated.Add(new SimulatedNode(agentOptions, connection, feed, runtime, nodeMachine, gate, hooksHttp, time, loggerFactory));
        }

        var started = Stopwatch.StartNew();
        var informers = new[]
        {
            Task.Run(() => feed.Informer.RunAsync(cancellationToken), CancellationToken.None),
            Task.Run(() => nodes.RunAsync(cancellationToken), CancellationToken.None),
        };
        var running = simulated.Select(n => Task.Run(async () =>
        {
            try
            {
                await n.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Log.NodeFailed(_logger, n.Name, ex);
            }
        }, CancellationToken.None)).ToList();

        try
        {
            await Task.WhenAll(simulated.Select(n => n.Registered)).WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.Ready(_logger, options.Nodes, started.Elapsed.TotalSeconds, Report(simulated));
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30), time);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.Progress(_logger, Report(simulated));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running.Concat(informers)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return 0;
    }

    /// <summary>The /24 of <see cref="FallbackRange"/> for node <paramref name="index"/>.</summary>
    internal static string FallbackCidr(int index) => $"100.{64 + (index >> 8)}.{index & 255}.0/24";

    private static string Report(List<SimulatedNode> nodes)
    {
        using var self = Process.GetCurrentProcess();
        var rss = self.WorkingSet64;
        var containers = nodes.Sum(n => n.Runtime.ContainerCount);
        return string.Create(CultureInfo.InvariantCulture,
            $"{containers} containers; RSS {rss / (1024.0 * 1024):F0} MiB ({rss / 1024.0 / nodes.Count:F0} KiB per node), managed heap {GC.GetTotalMemory(false) / (1024.0 * 1024):F0} MiB");
    }

    /// <summary>One API connection for every simulated node: a node identity signed by the server's CA, or the given kubeconfig.</summary>
    private ApiConnection? Connect(SimOptions options)
    {
        k8s.KubernetesClientConfiguration configuration;
        if (options.Kubeconfig is { Length: > 0 } kubeconfig)
        {
            if (!File.Exists(kubeconfig))
            {
                Log.Fatal(_logger, $"--kubeconfig {kubeconfig}: no such file");
                return null;
            }

            configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        }
        else
        {
            var server = new DataDirectory(options.ServerDataDir ?? DataDirectory.DefaultPathForCurrentUser());
            var tls = new TlsFiles(server.TlsDirectory);
            using var ca = PemFiles.TryLoad(tls.CaCertificate, tls.CaKey);
            if (ca is null || !File.Exists(server.KubeconfigPath))
            {
                Log.Fatal(_logger, $"no server at {server.Root}: need {tls.CaCertificate}, {tls.CaKey} and {server.KubeconfigPath} (start `skiff server --data-dir {server.Root}` first, or pass --kubeconfig)");
                return null;
            }

            var serverUrl = new Uri(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath).Host);

            // One identity for all nodes (as KWOK uses one admin kubeconfig): one TLS connection pool instead of N. It
            // cannot be a node identity: the Node authorizer and NodeRestriction let system:node:X touch only Node X
            // and its pods, and this process plays every simulated node.
            using var identity = new CertificateFactory(time).CreateClientCertificate(ca, "skiff-sim", ["system:masters"]);
            configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(serverUrl, ca, identity));
        }

        return new ApiConnection(configuration) { UserAgent = "skiff-sim" };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "SimFatal", Level = LogLevel.Error, Message = "{Message}")]
        public static partial void Fatal(ILogger logger, string message);

        [LoggerMessage(EventId = 2, EventName = "SimReady", Level = LogLevel.Information, Message = "Skiff sim is ready: {Nodes} nodes registered in {Seconds:F1} s; {Report}")]
        public static partial void Ready(ILogger logger, int nodes, double seconds, string report);

        [LoggerMessage(EventId = 3, EventName = "SimProgress", Level = LogLevel.Information, Message = "sim: {Report}")]
        public static partial void Progress(ILogger logger, string report);

        [LoggerMessage(EventId = 4, EventName = "SimNodeFailed", Level = LogLevel.Error, Message = "simulated node {Node} stopped")]
        public static partial void NodeFailed(ILogger logger, string node, Exception ex);
    }
}
