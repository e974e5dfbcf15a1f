using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Node;

/// <summary>
/// The node's presence in the API (kubelet's node status manager and node lease controller): registers the Node,
/// waits for the IPAM controller to give it a pod CIDR, renews its Lease in kube-node-lease, and writes its status
/// when it changes and at least every report period.
/// </summary>
internal sealed partial class NodeRegistrar
{
    private readonly NodeAgentOptions _options;
    private readonly IResourceClient<V1Node> _nodes;
    private readonly IResourceClient<V1Lease> _leases;
    private readonly IContainerRuntime _runtime;
    private readonly MachineInfo _machine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _kick = new(0, 1);
    private V1NodeStatus? _lastWritten;
    private DateTimeOffset _lastWrite;

    public NodeRegistrar(NodeAgentOptions options, ApiConnection connection, IContainerRuntime runtime, MachineInfo machine, TimeProvider time, ILogger logger)
    {
        _options = options;
        _nodes = connection.For<V1Node>(ApiResource.Nodes);
        _leases = connection.For<V1Lease>(ApiResource.Leases);
        _runtime = runtime;
        _machine = machine;
        _time = time;
        _logger = logger;
    }

    /// <summary>The port the agent's server listens on, set once it is bound (reported in daemonEndpoints).</summary>
    public int KubeletPort { get; set; }

    /// <summary>The pressure conditions to report (the eviction manager's); none until it runs.</summary>
    public Func<Eviction.NodePressure> Pressure { get; set; } = () => Eviction.NodePressure.None;

    /// <summary>Whether the runtime is expected to answer yet (false while containerd is being started).</summary>
    public bool RuntimeStarted { get; set; }

    /// <summary>Creates the Node, or, if it exists (an agent restart), brings its labels up to date. Retries until it succeeds.</summary>
    public async Task<V1Node> RegisterAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await RegisterOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Log.RegisterFailed(_logger, _options.NodeName, ex.Message);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 7000));
            }
        }
    }

    private async Task<V1Node> RegisterOnceAsync(CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string>
        {
            ["kubernetes.io/hostname"] = _options.NodeName,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
        };
        var node = new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = _options.NodeName,
                Labels = labels,
                Annotations = new Dictionary<string, string> { ["node.alpha.kubernetes.io/ttl"] = "0" },
            },
            Spec = new V1NodeSpec(),
        };
        try
        {
            var created = await _nodes.CreateAsync(node, cancellationToken).ConfigureAwait(false);
            Log.Registered(_logger, _options.NodeName);
            return created;
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = JsonNode.Parse(KubernetesJson.Serialize(labels)) } };
            var existing = await _nodes.PatchAsync(null, _options.NodeName, patch.ToJsonString(), cancellationToken).ConfigureAwait(false);
            Log.Reregistered(_logger, _options.NodeName);
            return existing;
        }
    }

    /// <summary>Waits until the Node has spec.podCIDR (set by the node IPAM controller) and returns it.</summary>
    public async Task<string> WaitForPodCidrAsync(CancellationToken cancellationToken)
    {
        var logged = false;
        while (true)
        {
            try
            {
                var node = await _nodes.GetAsync(null, _options.NodeName, cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(node.Spec?.PodCIDR))
                {
                    return node.Spec.PodCIDR;
                }
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Log.StatusFailed(_logger, _options.NodeName, ex.Message);
            }

            if (!logged)
            {
                Log.WaitingForCidr(_logger, _options.NodeName);
                logged = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Asks the status loop for an immediate check (the runtime became ready, images changed).</summary>
    public void Kick()
    {
        try
        {
            _kick.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Checks the status every update interval (or when kicked) and writes it on change or after the report interval.</summary>
    public async Task RunStatusLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await UpdateStatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Log.StatusFailed(_logger, _options.NodeName, ex.Message);
            }

            try
            {
                await _kick.WaitAsync(_options.StatusUpdateInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task UpdateStatusAsync(CancellationToken cancellationToken)
    {
        var health = await RuntimeHealthAsync(cancellationToken).ConfigureAwait(false);
        var images = health.Ready ? await ImagesAsync(cancellationToken).ConfigureAwait(false) : [];
        var now = _time.GetUtcNow();
        var status = NodeStatusBuilder.Build(_options, _machine, health, KubeletPort, images, _lastWritten?.Conditions, now.UtcDateTime, Pressure());
        if (!NodeStatusBuilder.Changed(_lastWritten, status) && now - _lastWrite < _options.StatusReportInterval)
        {
            return;
        }

        var patch = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) };
        await _nodes.PatchAsync(null, _options.NodeName, patch.ToJsonString(), cancellationToken, "status").ConfigureAwait(false);
        if (_lastWritten?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status != status.Conditions.First(c => c.Type == "Ready").Status)
        {
            Log.ReadyChanged(_logger, _options.NodeName, health.Ready, health.Message ?? "");
        }

        _lastWritten = status;
        _lastWrite = now;
    }

    private async Task<NodeStatusBuilder.RuntimeHealth> RuntimeHealthAsync(CancellationToken cancellationToken)
    {
        if (!RuntimeStarted)
        {
            return new(false, "", "container runtime is starting");
        }

        try
        {
            var version = await _runtime.VersionAsync(cancellationToken).ConfigureAwait(false);
            var status = await _runtime.StatusAsync(cancellationToken).ConfigureAwait(false);
            var notReady = status.Status?.Conditions.FirstOrDefault(c => !c.Status);
            var runtimeVersion = $"{version.RuntimeName}://{version.RuntimeVersion}";
            return notReady is null
                ? new(true, runtimeVersion, null)
                : new(false, runtimeVersion, $"container runtime status check may not have completed yet: {notReady.Type}={notReady.Status} reason:{notReady.Reason} message:{notReady.Message}");
        }
        catch (Exception ex) when (ex is RuntimeException or HttpRequestException)
        {
            return new(false, "", $"container runtime is down: {ex.Message}");
        }
    }

    private async Task<IReadOnlyList<V1ContainerImage>> ImagesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var images = await _runtime.ListImagesAsync(cancellationToken).ConfigureAwait(false);

            // Like kubelet: biggest first, at most 50, each with its tags and digests as names.
            return images.OrderByDescending(i => i.Size)
                .Take(50)
                .Select(i => new V1ContainerImage { Names = [.. i.RepoDigests, .. i.RepoTags], SizeBytes = (long)i.Size })
                .Where(i => i.Names.Count > 0)
                .ToList();
        }
        catch (RuntimeException)
        {
            return [];
        }
    }

    /// <summary>Renews the node's Lease in kube-node-lease every renew interval (creating it when missing).</summary>
    public async Task RunLeaseLoopAsync(V1Node node, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.LeaseRenewInterval, _time);
        do
        {
            try
            {
                await RenewLeaseAsync(node, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Log.LeaseFailed(_logger, _options.NodeName, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    internal async Task RenewLeaseAsync(V1Node node, CancellationToken cancellationToken)
    {
        var now = new DateTime(_time.GetUtcNow().UtcDateTime.Ticks / 10 * 10, DateTimeKind.Utc);
        var spec = new JsonObject
        {
            ["holderIdentity"] = _options.NodeName,
            ["leaseDurationSeconds"] = 40,
            ["renewTime"] = now.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture),
        };
        try
        {
            await _leases.PatchAsync("kube-node-lease", _options.NodeName, new JsonObject { ["spec"] = spec }.ToJsonString(), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            var lease = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta
                {
                    Name = _options.NodeName,
                    NamespaceProperty = "kube-node-lease",
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }],
                },
                Spec = new V1LeaseSpec { HolderIdentity = _options.NodeName, LeaseDurationSeconds = 40, RenewTime = now },
            };
            await _leases.CreateAsync(lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "NodeRegistered", Level = LogLevel.Information, Message = "registered node {Node}")]
        public static partial void Registered(ILogger logger, string node);

        [LoggerMessage(EventId = 2, EventName = "NodeReregistered", Level = LogLevel.Information, Message = "node {Node} was already registered; updated its labels")]
        public static partial void Reregistered(ILogger logger, string node);

        [LoggerMessage(EventId = 3, EventName = "NodeRegisterFailed", Level = LogLevel.Warning, Message = "cannot register node {Node}, retrying: {Error}")]
        public static partial void RegisterFailed(ILogger logger, string node, string error);

        [LoggerMessage(EventId = 4, EventName = "NodeStatusFailed", Level = LogLevel.Warning, Message = "cannot update the status of node {Node}: {Error}")]
        public static partial void StatusFailed(ILogger logger, string node, string error);

        [LoggerMessage(EventId = 5, EventName = "NodeLeaseFailed", Level = LogLevel.Warning, Message = "cannot renew the lease of node {Node}: {Error}")]
        public static partial void LeaseFailed(ILogger logger, string node, string error);

        [LoggerMessage(EventId = 6, EventName = "NodeWaitingForCidr", Level = LogLevel.Information, Message = "node {Node} is waiting for a pod CIDR from the node IPAM controller")]
        public static partial void WaitingForCidr(ILogger logger, string node);

        [LoggerMessage(EventId = 7, EventName = "NodeReadyChanged", Level = LogLevel.Information, Message = "node {Node} Ready={Ready} {Message}")]
        public static partial void ReadyChanged(ILogger logger, string node, bool ready, string message);
    }
}
