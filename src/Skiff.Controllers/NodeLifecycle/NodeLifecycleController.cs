using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>
/// kube-controller-manager's node lifecycle controller (pkg/controller/nodelifecycle). Every monitor period it
/// checks each node's Lease in kube-node-lease and its Ready heartbeat; a node silent for longer than the grace
/// period gets Ready/MemoryPressure/DiskPressure/PIDPressure Unknown ("Kubelet stopped posting node status."), its
/// pods are marked not ready, and it is tainted <c>node.kubernetes.io/unreachable:NoExecute</c> (or
/// <c>not-ready:NoExecute</c> when the kubelet reports Ready=False), rate-limited per zone and not at all when every
/// zone is fully disrupted. On node changes it keeps the condition-based NoSchedule taints (TaintNodesByCondition)
/// and the cordon taint in step. The NoExecute taints are what the taint eviction controller acts on.
/// </summary>
internal sealed partial class NodeLifecycleController : IController
{
    /// <summary>Where kubelets keep their heartbeat Leases, one per node, named after the node.</summary>
    public const string NodeLeaseNamespace = "kube-node-lease";

    private const string ZoneLabel = "topology.kubernetes.io/zone";
    private const string RegionLabel = "topology.kubernetes.io/region";

    private static readonly string[] MonitoredConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

    private readonly IInformer<V1Node> _nodes;
    private readonly IInformer<V1Lease> _leases;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V1Node> _nodeClient;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IEventRecorder _recorder;
    private readonly NodeLifecycleOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    // Only the monitor pass touches these; passes never overlap.
    private readonly Dictionary<string, NodeHealth> _health = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _zoneNextTaint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ZoneState> _zoneStates = new(StringComparer.Ordinal);
    private readonly HashSet<string> _markPodsRetry = new(StringComparer.Ordinal);
    private bool _allWereFullyDisrupted;

    public NodeLifecycleController(
        IInformer<V1Node> nodes,
        IInformer<V1Lease> leases,
        IInformer<V1Pod> pods,
        IResourceClient<V1Node> nodeClient,
        IResourceClient<V1Pod> podClient,
        IEventRecorder recorder,
        NodeLifecycleOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _nodes = nodes;
        _leases = leases;
        _pods = pods;
        _nodeClient = nodeClient;
        _podClient = podClient;
        _recorder = recorder;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncNoScheduleTaintsAsync;
        pods.Indexer.AddIndex(Indexers.NodeName, o => Indexers.ByNodeName(o));
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(
            onAdd: n => Queue.Add(n.Metadata.Name),
            onUpdate: (_, n) => Queue.Add(n.Metadata.Name)));
    }

    public string Name => "node-lifecycle";

    /// <summary>The queue of nodes whose NoSchedule taints are to be brought in step with their conditions.</summary>
    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_nodes.WaitForSyncAsync(cancellationToken), _leases.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        var tainting = Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken);
        using var timer = new PeriodicTimer(_options.NodeMonitorPeriod, _timeProvider);
        try
        {
            do
            {
                try
                {
                    await MonitorAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ApiException or HttpRequestException)
                {
                    Log.PassFailed(_logger, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await tainting.ConfigureAwait(false);
    }

    /// <summary>One monitor pass over every node (kube's monitorNodeHealth). Tests call it after moving the fake clock.</summary>
    internal async Task MonitorAsync(CancellationToken cancellationToken)
    {
        var nodes = _nodes.Indexer.List();
        var names = nodes.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _health.Keys.Where(k => !names.Contains(k)).ToList())
        {
            _health.Remove(gone);
            _markPodsRetry.Remove(gone);
        }

        var observed = new List<(V1Node Node, V1NodeCondition? Ready)>();
        foreach (var cached in nodes)
        {
            V1Node node;
            V1NodeCondition? before;
            V1NodeCondition? ready;
            try
            {
                (node, before, ready) = await UpdateHealthAsync(Objects.Clone(cached), cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex)
            {
                // Someone else wrote the node meanwhile: the next pass sees the new version.
                Log.UpdateFailed(_logger, cached.Metadata.Name, ex.Message);
                continue;
            }

            observed.Add((node, ready));
            if (ready is null)
            {
                continue;
            }

            var name = node.Metadata.Name;
            if (ready.Status != "True" && before?.Status == "True")
            {
                _recorder.Event(node, "Normal", "NodeNotReady", $"Node {name} status is now: NodeNotReady");
                _markPodsRetry.Add(name);
            }
            else if (ready.Status == "True")
            {
                _markPodsRetry.Remove(name);
            }

            if (_markPodsRetry.Contains(name) && await MarkPodsNotReadyAsync(name, cancellationToken).ConfigureAwait(false))
            {
                _markPodsRetry.Remove(name);
            }
        }

        await HandleDisruptionAndTaintAsync(observed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// kube's tryUpdateNodeHealth: moves the probe time when the Ready heartbeat or the Lease changed, and after the
    /// grace period sets the monitored conditions Unknown. Returns the node as now stored, its Ready condition before
    /// this pass and after it.
    /// </summary>
    private async Task<(V1Node Node, V1NodeCondition? Before, V1NodeCondition? After)> UpdateHealthAsync(V1Node node, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var name = node.Metadata.Name;
        var current = NodeTaints.Condition(node, "Ready");
        var created = node.Metadata.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : now;
        TimeSpan grace;
        V1NodeCondition observed;
        _health.TryGetValue(name, out var health);
        if (current is null)
        {
            // The kubelet never posted status: judge the node from its creation with the startup grace period.
            observed = new V1NodeCondition { Type = "Ready", Status = "Unknown", LastHeartbeatTime = node.Metadata.CreationTimestamp, LastTransitionTime = node.Metadata.CreationTimestamp };
            grace = _options.NodeStartupGracePeriod;
            health ??= new NodeHealth { ProbeTimestamp = created, ReadyTransitionTimestamp = created };
            health.SavedReady = null;
        }
        else
        {
            observed = Objects.Clone(current);
            grace = _options.NodeMonitorGracePeriod;
            if (health is null || health.SavedReady is null)
            {
                // First sight of this node (or of its Ready condition), e.g. after a controller restart: a full grace period from now.
                health = new NodeHealth { ProbeTimestamp = now, ReadyTransitionTimestamp = now, LeaseRenewTime = health?.LeaseRenewTime };
            }
            else if (health.SavedReady.LastHeartbeatTime != current.LastHeartbeatTime)
            {
                health.ProbeTimestamp = now;
                if (health.SavedReady.LastTransitionTime != current.LastTransitionTime)
                {
                    health.ReadyTransitionTimestamp = now;
                }
            }

            health.SavedReady = Objects.Clone(current);
        }

        _health[name] = health;

        // A renewed Lease is a heartbeat too (and the cheap one kubelets send every 10 s).
        if (_leases.Indexer.Get(NodeLeaseNamespace, name)?.Spec?.RenewTime is { } renew && (health.LeaseRenewTime is null || health.LeaseRenewTime < renew))
        {
            health.LeaseRenewTime = renew;
            health.ProbeTimestamp = now;
        }

        if (now <= health.ProbeTimestamp + grace)
        {
            return (node, current is null ? null : observed, current);
        }

        node.Status ??= new V1NodeStatus();
        node.Status.Conditions ??= [];
        foreach (var type in MonitoredConditions)
        {
            var condition = node.Status.Conditions.FirstOrDefault(x => x.Type == type);
            if (condition is null)
            {
                node.Status.Conditions.Add(new V1NodeCondition
                {
                    Type = type,
                    Status = "Unknown",
                    Reason = "NodeStatusNeverUpdated",
                    Message = "Kubelet never posted node status.",
                    LastHeartbeatTime = node.Metadata.CreationTimestamp,
                    LastTransitionTime = now.UtcDateTime,
                });
            }
            else if (condition.Status != "Unknown")
            {
                condition.Status = "Unknown";
                condition.Reason = "NodeStatusUnknown";
                condition.Message = "Kubelet stopped posting node status.";
                condition.LastTransitionTime = now.UtcDateTime;
            }
        }

        var after = NodeTaints.Condition(node, "Ready")!;
        if (after.Status == observed.Status && after.Reason == observed.Reason && current is not null)
        {
            return (node, observed, current);
        }

        Log.NodeUnknown(_logger, name, (now - health.ProbeTimestamp).TotalSeconds);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = node.Metadata.ResourceVersion },
            ["status"] = new JsonObject { ["conditions"] = JsonNode.Parse(KubernetesJson.Serialize(node.Status.Conditions)) },
        };
        var stored = await _nodeClient.PatchAsync(null, name, patch.ToJsonString(), cancellationToken, "status").ConfigureAwait(false);
        health.ReadyTransitionTimestamp = now;
        health.SavedReady = Objects.Clone(after);
        return (stored, current is null ? null : observed, NodeTaints.Condition(stored, "Ready") ?? after);
    }

    /// <summary>
    /// kube's MarkPodsNotReady: the pods of a lost node stop counting as ready (Services drop them) until the kubelet
    /// reports again. Returns false if some write failed, so the next pass retries.
    /// </summary>
    private async Task<bool> MarkPodsNotReadyAsync(string nodeName, CancellationToken cancellationToken)
    {
        var ok = true;
        foreach (var pod in _pods.Indexer.ByIndex(Indexers.NodeName, nodeName))
        {
            if (Pods.IsTerminal(pod) || Pods.Condition(pod, "Ready") is not { Status: not "False" })
            {
                continue;
            }

            var conditions = (pod.Status!.Conditions ?? []).Select(Objects.Clone).ToList();
            var ready = conditions.First(x => x.Type == "Ready");
            ready.Status = "False";
            ready.LastTransitionTime = _timeProvider.GetUtcNow().UtcDateTime;
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = pod.Metadata.ResourceVersion },
                ["status"] = new JsonObject { ["conditions"] = JsonNode.Parse(KubernetesJson.Serialize(conditions)) },
            };
            try
            {
                await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch.ToJsonString(), cancellationToken, "status").ConfigureAwait(false);
                _recorder.Event(pod, "Warning", "NodeNotReady", "Node is not ready");
                Log.PodNotReady(_logger, ObjectKey.Of(pod), nodeName);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
            }
            catch (ApiException ex)
            {
                Log.PodUpdateFailed(_logger, ObjectKey.Of(pod), ex.Message);
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>
    /// kube's handleDisruption plus processTaintBaseEviction: grade each zone, stand down entirely (removing NoExecute
    /// taints) when every zone is fully disrupted, otherwise taint unhealthy nodes at the zone's rate and untaint
    /// healthy ones at once.
    /// </summary>
    private async Task HandleDisruptionAndTaintAsync(List<(V1Node Node, V1NodeCondition? Ready)> observed, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var zones = observed.GroupBy(o => ZoneKey(o.Node)).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var states = zones.ToDictionary(z => z.Key, z => ZoneStateOf(z.Value.Select(o => o.Ready)), StringComparer.Ordinal);
        var allFullyDisrupted = states.Count > 0 && states.Values.All(s => s == ZoneState.FullDisruption);

        if (allFullyDisrupted)
        {
            if (!_allWereFullyDisrupted)
            {
                Log.EnteringDisruptionMode(_logger, observed.Count);
            }

            _allWereFullyDisrupted = true;
            foreach (var (node, _) in observed)
            {
                await SwapNoExecuteAsync(node, null, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (_allWereFullyDisrupted)
        {
            // Leaving disruption mode: every node gets a fresh grace period, as kube resets the probe timestamps.
            Log.ExitingDisruptionMode(_logger);
            foreach (var health in _health.Values)
            {
                health.ProbeTimestamp = now;
                health.ReadyTransitionTimestamp = now;
            }

            _allWereFullyDisrupted = false;
        }

        foreach (var (zone, state) in states)
        {
            if (!_zoneStates.TryGetValue(zone, out var was) || was != state)
            {
                Log.ZoneState(_logger, zone.Length == 0 ? "<default>" : zone, state.ToString());
                _zoneStates[zone] = state;
            }
        }

        foreach (var (zone, members) in zones)
        {
            var rate = states[zone] switch
            {
                ZoneState.PartialDisruption => members.Count > _options.LargeClusterSizeThreshold ? _options.SecondaryNodeEvictionRate : 0,
                _ => _options.NodeEvictionRate,
            };
            foreach (var (node, ready) in members)
            {
                switch (ready?.Status)
                {
                    case "False":
                        await TaintUnhealthyAsync(node, NodeTaints.NotReady, NodeTaints.Unreachable, zone, rate, now, cancellationToken).ConfigureAwait(false);
                        break;
                    case "Unknown":
                        await TaintUnhealthyAsync(node, NodeTaints.Unreachable, NodeTaints.NotReady, zone, rate, now, cancellationToken).ConfigureAwait(false);
                        break;
                    case "True":
                        await SwapNoExecuteAsync(node, null, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
    }

    private async Task TaintUnhealthyAsync(V1Node node, string key, string other, string zone, double rate, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (NodeTaints.Has(node, key, NodeTaints.NoExecute) && !NodeTaints.Has(node, other, NodeTaints.NoExecute))
        {
            return;
        }

        // Swapping unreachable for not-ready (or back) is immediate; a node newly tainted waits for its zone's limiter.
        if (!NodeTaints.Has(node, other, NodeTaints.NoExecute))
        {
            if (rate <= 0 || (_zoneNextTaint.TryGetValue(zone, out var next) && now < next))
            {
                return;
            }

            _zoneNextTaint[zone] = now + TimeSpan.FromSeconds(1 / rate);
        }

        await SwapNoExecuteAsync(node, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the node with exactly the given lifecycle NoExecute taint (or none), stamped with the time it was added.</summary>
    private async Task SwapNoExecuteAsync(V1Node node, string? key, CancellationToken cancellationToken)
    {
        var hasNotReady = NodeTaints.Has(node, NodeTaints.NotReady, NodeTaints.NoExecute);
        var hasUnreachable = NodeTaints.Has(node, NodeTaints.Unreachable, NodeTaints.NoExecute);
        if ((key == NodeTaints.NotReady && hasNotReady && !hasUnreachable)
            || (key == NodeTaints.Unreachable && hasUnreachable && !hasNotReady)
            || (key is null && !hasNotReady && !hasUnreachable))
        {
            return;
        }

        var add = key is null ? [] : new[] { new V1Taint { Key = key, Effect = NodeTaints.NoExecute, TimeAdded = _timeProvider.GetUtcNow().UtcDateTime } };
        var remove = new[] { NodeTaints.NotReady, NodeTaints.Unreachable }.Where(k => k != key).Select(k => (k, NodeTaints.NoExecute));
        var taints = NodeTaints.Swap(node, add, remove);
        try
        {
            await PatchTaintsAsync(node, taints, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                Log.Untainted(_logger, node.Metadata.Name);
            }
            else
            {
                Log.Tainted(_logger, node.Metadata.Name, key);
            }
        }
        catch (ApiException ex) when (!ex.IsNotFound)
        {
            Log.UpdateFailed(_logger, node.Metadata.Name, ex.Message);
        }
        catch (ApiException)
        {
        }
    }

    /// <summary>Brings one node's condition-based NoSchedule taints in step (kube's doNoScheduleTaintingPass).</summary>
    private async Task SyncNoScheduleTaintsAsync(string key, CancellationToken cancellationToken)
    {
        if (_nodes.Indexer.Get(key) is not { } node)
        {
            return;
        }

        var wanted = NodeTaints.WantedNoSchedule(node);
        var present = (node.Spec?.Taints ?? []).Where(t => t.Effect == NodeTaints.NoSchedule && NodeTaints.NoScheduleKeys.Contains(t.Key)).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        if (present.SetEquals(wanted))
        {
            return;
        }

        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var taints = NodeTaints.Swap(
            node,
            wanted.Where(k => !present.Contains(k)).Select(k => new V1Taint { Key = k, Effect = NodeTaints.NoSchedule, TimeAdded = now }),
            present.Where(k => !wanted.Contains(k)).Select(k => (k, NodeTaints.NoSchedule)));
        try
        {
            await PatchTaintsAsync(node, taints, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private Task<V1Node> PatchTaintsAsync(V1Node node, List<V1Taint> taints, CancellationToken cancellationToken)
    {
        // A merge patch replaces the whole list; the resourceVersion guard keeps a concurrent taint (kubectl taint) safe.
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = node.Metadata.ResourceVersion },
            ["spec"] = new JsonObject { ["taints"] = taints.Count == 0 ? null : JsonNode.Parse(KubernetesJson.Serialize(taints)) },
        };
        return _nodeClient.PatchAsync(null, node.Metadata.Name, patch.ToJsonString(), cancellationToken);
    }

    /// <summary>kube's GetZoneKey: region and zone labels; nodes with neither share the default zone "".</summary>
    internal static string ZoneKey(V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        string? Label(string key) => labels.TryGetValue(key, out var v) ? v : null;
        var region = Label(RegionLabel) ?? Label("failure-domain.beta.kubernetes.io/region") ?? "";
        var zone = Label(ZoneLabel) ?? Label("failure-domain.beta.kubernetes.io/zone") ?? "";
        return region.Length == 0 && zone.Length == 0 ? "" : region + ":\0:" + zone;
    }

    private ZoneState ZoneStateOf(IEnumerable<V1NodeCondition?> readyConditions)
    {
        int ready = 0, notReady = 0;
        foreach (var c in readyConditions)
        {
            if (c?.Status == "True")
            {
                ready++;
            }
            else
            {
                notReady++;
            }
        }

        if (ready == 0 && notReady > 0)
        {
            return ZoneState.FullDisruption;
        }

        return notReady > 2 && (double)notReady / (notReady + ready) >= _options.UnhealthyZoneThreshold ? ZoneState.PartialDisruption : ZoneState.Normal;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "NodeStatusUnknown", Level = LogLevel.Information, Message = "node {Node} has not renewed its lease or posted status for {Seconds:F0} s: conditions set to Unknown")]
        public static partial void NodeUnknown(ILogger logger, string node, double seconds);

        [LoggerMessage(EventId = 2, EventName = "NodeTainted", Level = LogLevel.Information, Message = "node {Node} tainted {Taint}:NoExecute")]
        public static partial void Tainted(ILogger logger, string node, string taint);

        [LoggerMessage(EventId = 3, EventName = "NodeUntainted", Level = LogLevel.Information, Message = "node {Node} is ready again: NoExecute taints removed")]
        public static partial void Untainted(ILogger logger, string node);

        [LoggerMessage(EventId = 4, EventName = "NodeUpdateFailed", Level = LogLevel.Warning, Message = "updating node {Node} failed, retrying next pass: {Error}")]
        public static partial void UpdateFailed(ILogger logger, string node, string error);

        [LoggerMessage(EventId = 5, EventName = "PodMarkedNotReady", Level = LogLevel.Information, Message = "pod {Pod} marked not ready: node {Node} is not ready")]
        public static partial void PodNotReady(ILogger logger, string pod, string node);

        [LoggerMessage(EventId = 6, EventName = "PodUpdateFailed", Level = LogLevel.Warning, Message = "marking pod {Pod} not ready failed, retrying next pass: {Error}")]
        public static partial void PodUpdateFailed(ILogger logger, string pod, string error);

        [LoggerMessage(EventId = 7, EventName = "EnteringDisruptionMode", Level = LogLevel.Warning, Message = "all {Count} nodes are not ready: entering disruption mode, no pods are evicted by taints")]
        public static partial void EnteringDisruptionMode(ILogger logger, int count);

        [LoggerMessage(EventId = 8, EventName = "ExitingDisruptionMode", Level = LogLevel.Information, Message = "some nodes are ready again: exiting disruption mode")]
        public static partial void ExitingDisruptionMode(ILogger logger);

        [LoggerMessage(EventId = 9, EventName = "ZoneStateChanged", Level = LogLevel.Information, Message = "zone {Zone} is now in state {State}")]
        public static partial void ZoneState(ILogger logger, string zone, string state);

        [LoggerMessage(EventId = 10, EventName = "MonitorPassFailed", Level = LogLevel.Warning, Message = "node monitor pass failed, retrying next period: {Error}")]
        public static partial void PassFailed(ILogger logger, string error);
    }
}
