using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Events;
using Skiff.Kubelet.StaticPods;

namespace Skiff.Kubelet.Eviction;

/// <summary>
/// kubelet's eviction manager (node-pressure eviction): every monitoring interval it observes the node's signals,
/// decides which thresholds are met (keeping a met threshold until its minimum reclaim is available again, and
/// acting on a soft one only after its grace period), reports MemoryPressure/DiskPressure/PIDPressure (each stays True
/// for the pressure transition period after it was last observed), evicts pods whose emptyDir or ephemeral-storage
/// use is over its limit, and for a met threshold first reclaims node-level resources (dead containers, unused
/// images) and then evicts at most one pod, ranked as kubelet ranks them. Not thread-safe: one loop drives it.
/// </summary>
internal sealed partial class EvictionManager
{
    /// <summary>kubelet's grace period for pods evicted for a hard threshold (immediateEvictionGracePeriodSeconds).</summary>
    private const long ImmediateGracePeriodSeconds = 1;

    /// <summary>kubelet's scheduling.SystemCriticalPriority: pods at or above it are never evicted.</summary>
    private const int SystemCriticalPriority = 2_000_000_000;

    private readonly EvictionOptions _options;
    private readonly IEvictionStatsSource _stats;
    private readonly IEvictionTarget _pods;
    private readonly INodeReclaimer _reclaimer;
    private readonly IEventRecorder _events;
    private readonly V1Node _nodeRef;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private Dictionary<Threshold, DateTimeOffset> _thresholdsFirstObservedAt = [];
    private Dictionary<string, DateTimeOffset> _conditionsLastObservedAt = new(StringComparer.Ordinal);
    private List<Threshold> _thresholdsMet = [];
    private IReadOnlyDictionary<string, SignalObservation> _lastObservations = new Dictionary<string, SignalObservation>();
    private volatile NodePressure _pressure = NodePressure.None;

    public EvictionManager(EvictionOptions options, string nodeName, IEvictionStatsSource stats, IEvictionTarget pods, INodeReclaimer reclaimer, IEventRecorder events, TimeProvider time, ILogger logger)
    {
        _options = options;
        _stats = stats;
        _pods = pods;
        _reclaimer = reclaimer;
        _events = events;
        _nodeRef = new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = nodeName, Uid = nodeName } };
        _time = time;
        _logger = logger;
    }

    /// <summary>The pressure conditions as of the last synchronization (read by the node status loop; thread-safe).</summary>
    public NodePressure Pressure => _pressure;

    /// <summary>Raised (on the manager's loop) when <see cref="Pressure"/> changes, so the node status is written at once.</summary>
    public event Action<NodePressure>? PressureChanged;

    /// <summary>The thresholds currently met with their grace periods over (what eviction acts on); for tests.</summary>
    internal IReadOnlyList<Threshold> ThresholdsMet => _thresholdsMet;

    /// <summary>Synchronizes every monitoring interval until cancelled; failures are logged and retried next interval.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_options.Thresholds.Count == 0 && !_options.LocalStorageCapacityIsolation)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.MonitoringInterval, _time);
        do
        {
            try
            {
                await SynchronizeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SyncFailed(_logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One pass of kubelet's synchronize: observe, update conditions, reclaim, evict at most one pod. Returns the evicted pods.</summary>
    public async Task<IReadOnlyList<V1Pod>> SynchronizeAsync(CancellationToken cancellationToken)
    {
        var activePods = _pods.ActivePods();
        var stats = await _stats.CollectAsync(activePods, cancellationToken).ConfigureAwait(false);
        var observations = stats.Signals;
        var now = _time.GetUtcNow();

        // Thresholds met now, plus those met before whose minimum reclaim is not yet available again.
        var thresholds = Met(_options.Thresholds, observations, enforceMinReclaim: false);
        if (_thresholdsMet.Count > 0)
        {
            thresholds = [.. thresholds.Union(Met(_thresholdsMet, observations, enforceMinReclaim: true))];
        }

        var firstObservedAt = thresholds.ToDictionary(t => t, t => _thresholdsFirstObservedAt.TryGetValue(t, out var at) ? at : now);

        // A condition is True while one of its thresholds is met (grace period or not), and for the transition period after.
        var conditionsLastObservedAt = new Dictionary<string, DateTimeOffset>(_conditionsLastObservedAt, StringComparer.Ordinal);
        foreach (var condition in thresholds.Select(t => EvictionSignal.Condition(t.Signal)).Distinct())
        {
            conditionsLastObservedAt[condition] = now;
        }

        var conditions = conditionsLastObservedAt.Where(c => now - c.Value < _options.PressureTransitionPeriod).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var actOn = thresholds.Where(t => now - firstObservedAt[t] >= t.GracePeriod).ToList();

        _thresholdsFirstObservedAt = firstObservedAt;
        _conditionsLastObservedAt = conditionsLastObservedAt;
        _thresholdsMet = actOn;

        // Act only on signals observed anew since the last pass, so one stale observation never evicts twice.
        var lastObservations = _lastObservations;
        actOn = [.. actOn.Where(t => !lastObservations.TryGetValue(t.Signal, out var last) || observations[t.Signal].Time > last.Time)];
        _lastObservations = observations;
        SetPressure(new NodePressure(
            conditions.Contains(EvictionSignal.MemoryPressure),
            conditions.Contains(EvictionSignal.DiskPressure),
            conditions.Contains(EvictionSignal.PidPressure)));

        if (_options.LocalStorageCapacityIsolation && await LocalStorageEvictionAsync(activePods, stats, cancellationToken).ConfigureAwait(false) is { Count: > 0 } overLimit)
        {
            return overLimit;
        }

        if (actOn.Count == 0)
        {
            return [];
        }

        // Memory first (kubelet's byEvictionPriority), then the thresholds in the order they were given.
        var threshold = actOn.OrderBy(t => t.Signal == EvictionSignal.MemoryAvailable ? 0 : 1).First();
        var resource = EvictionSignal.Resource(threshold.Signal);
        Log.Reclaiming(_logger, resource, threshold.ToString());
        _events.Event(_nodeRef, "Warning", "EvictionThresholdMet", EvictionMessages.AttemptingToReclaim(resource));

        if (await ReclaimNodeLevelResourcesAsync(threshold.Signal, stats.DedicatedImageFs, activePods, cancellationToken).ConfigureAwait(false))
        {
            Log.Reclaimed(_logger, resource);
            return [];
        }

        if (activePods.Count == 0)
        {
            Log.NothingToEvict(_logger, resource);
            return [];
        }

        // Evict at most one pod per interval: the first in rank that may be evicted.
        foreach (var pod in PodRanking.Rank(threshold.Signal, activePods, stats.Pods, stats.DedicatedImageFs))
        {
            if (IsCritical(pod))
            {
                Log.CriticalPod(_logger, PodName(pod));
                continue;
            }

            var grace = ImmediateGracePeriodSeconds;
            if (!threshold.IsHard)
            {
                grace = _options.MaxPodGracePeriodSeconds;
                if (pod.Spec.TerminationGracePeriodSeconds is { } podGrace)
                {
                    grace = Math.Min(grace, podGrace);
                }
            }

            var message = EvictionMessages.NodeLow(resource, pod, stats.Pods.GetValueOrDefault(pod.Metadata.Uid), threshold, observations.GetValueOrDefault(threshold.Signal));
            if (await EvictAsync(pod, new PodEviction(message, grace, DisruptionTarget: true), cancellationToken).ConfigureAwait(false))
            {
                return [pod];
            }
        }

        Log.NoPodEvicted(_logger, resource);
        return [];
    }

    /// <summary>
    /// kubelet's eviction admission for a pod new to the node: under DiskPressure or PIDPressure every pod is rejected,
    /// under MemoryPressure alone only BestEffort pods that do not tolerate the memory-pressure taint; critical pods
    /// always get in. Returns the rejection message (<c>The node had condition: [DiskPressure]. </c>, recorded as an
    /// Evicted event), or null to admit.
    /// </summary>
    public string? Admit(V1Pod pod)
    {
        var pressure = _pressure;
        var conditions = pressure.Conditions().ToList();
        if (conditions.Count == 0 || IsCritical(pod))
        {
            return null;
        }

        if (conditions is [EvictionSignal.MemoryPressure] && (!IsBestEffort(pod) || ToleratesMemoryPressure(pod)))
        {
            return null;
        }

        var message = $"The node had condition: [{string.Join(' ', conditions)}]. ";
        Log.Rejected(_logger, PodName(pod), message);
        _events.Event(pod, "Warning", PodEviction.Reason, message);
        return message;
    }

    private static bool IsBestEffort(V1Pod pod)
    {
        if (pod.Status?.QosClass is { Length: > 0 } qos)
        {
            return qos == "BestEffort";
        }

        static bool Sets(IDictionary<string, ResourceQuantity>? values) => values?.Any(v => v.Key is "cpu" or "memory" && v.Value.ToDecimal() != 0) == true;
        return !pod.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).Any(c => Sets(c.Resources?.Requests) || Sets(c.Resources?.Limits));
    }

    private static bool ToleratesMemoryPressure(V1Pod pod) => (pod.Spec.Tolerations ?? []).Any(t =>
        (string.IsNullOrEmpty(t.Effect) || t.Effect == "NoSchedule")
        && (t.OperatorProperty == "Exists" ? string.IsNullOrEmpty(t.Key) || t.Key == "node.kubernetes.io/memory-pressure" : t.Key == "node.kubernetes.io/memory-pressure" && string.IsNullOrEmpty(t.Value)));

    /// <summary>
    /// Whether kubelet never evicts the pod (kubelettypes.IsCriticalPod): static pods, mirror pods and pods at or
    /// above system-critical priority.
    /// </summary>
    internal static bool IsCritical(V1Pod pod) =>
        StaticPodManifests.IsStatic(pod) || StaticPodManifests.IsMirror(pod) || pod.Spec.Priority >= SystemCriticalPriority;

    /// <summary>The thresholds whose signal's available amount is below the threshold (plus its minimum reclaim, when enforced).</summary>
    internal static List<Threshold> Met(IEnumerable<Threshold> thresholds, IReadOnlyDictionary<string, SignalObservation> observations, bool enforceMinReclaim)
    {
        var met = new List<Threshold>();
        foreach (var threshold in thresholds)
        {
            if (!observations.TryGetValue(threshold.Signal, out var observed))
            {
                continue;
            }

            var quantity = threshold.Value.Resolve(observed.Capacity);
            if (enforceMinReclaim && threshold.MinReclaim is { } reclaim)
            {
                quantity += reclaim.Resolve(observed.Capacity);
            }

            if (quantity > observed.Available)
            {
                met.Add(threshold);
            }
        }

        return met;
    }

    private void SetPressure(NodePressure pressure)
    {
        var old = _pressure;
        if (old == pressure)
        {
            return;
        }

        _pressure = pressure;
        foreach (var (type, was, now) in new[]
        {
            (EvictionSignal.MemoryPressure, old.Memory, pressure.Memory),
            (EvictionSignal.DiskPressure, old.Disk, pressure.Disk),
            (EvictionSignal.PidPressure, old.Pid, pressure.Pid),
        })
        {
            if (was != now)
            {
                var reason = EvictionMessages.NodeEventReason(type, now);
                Log.ConditionChanged(_logger, _nodeRef.Metadata.Name, type, now);
                _events.Event(_nodeRef, "Normal", reason, $"Node {_nodeRef.Metadata.Name} status is now: {reason}");
            }
        }

        PressureChanged?.Invoke(pressure);
    }

    /// <summary>
    /// Dead containers and unused images, for disk signals on the filesystem that holds them (kubelet's
    /// signalToNodeReclaimFuncs); true when every threshold, with its minimum reclaim, is satisfied afterwards.
    /// </summary>
    private async Task<bool> ReclaimNodeLevelResourcesAsync(string signal, bool dedicatedImageFs, IReadOnlyList<V1Pod> activePods, CancellationToken cancellationToken)
    {
        var reclaims = signal switch
        {
            EvictionSignal.ImageFsAvailable or EvictionSignal.ImageFsInodesFree => true,
            EvictionSignal.NodeFsAvailable or EvictionSignal.NodeFsInodesFree => !dedicatedImageFs,
            _ => false,
        };
        if (!reclaims)
        {
            return false;
        }

        try
        {
            await _reclaimer.DeleteUnusedContainersAsync(cancellationToken).ConfigureAwait(false);
            await _reclaimer.DeleteUnusedImagesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReclaimFailed(_logger, EvictionSignal.Resource(signal), ex.Message);
        }

        var after = await _stats.CollectAsync(activePods, cancellationToken).ConfigureAwait(false);
        return Met(_options.Thresholds, after.Signals, enforceMinReclaim: true).Count == 0;
    }

    /// <summary>
    /// Pods over an emptyDir sizeLimit, over the sum of their containers' ephemeral-storage limits, or with a container
    /// over its own limit (kubelet's localStorageEviction); these are evicted at once, with no DisruptionTarget condition.
    /// </summary>
    private async Task<List<V1Pod>> LocalStorageEvictionAsync(IReadOnlyList<V1Pod> pods, EvictionStats stats, CancellationToken cancellationToken)
    {
        var evicted = new List<V1Pod>();
        foreach (var pod in pods)
        {
            if (!stats.Pods.TryGetValue(pod.Metadata.Uid, out var usage) || LocalStorageViolation(pod, usage) is not { } message)
            {
                continue;
            }

            if (!IsCritical(pod) && await EvictAsync(pod, new PodEviction(message, 0, DisruptionTarget: false), cancellationToken).ConfigureAwait(false))
            {
                evicted.Add(pod);
            }
        }

        return evicted;
    }

    /// <summary>The eviction message when the pod breaks a local storage limit, else null.</summary>
    internal static string? LocalStorageViolation(V1Pod pod, PodUsage usage)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is { SizeLimit: { } limit } emptyDir && emptyDir.Medium is null or "" && limit.ToDecimal() > 0
                && usage.EmptyDirUsage.TryGetValue(volume.Name, out var used) && used > limit.ToDecimal())
            {
                return EvictionMessages.EmptyDir(volume.Name, limit.ToString());
            }
        }

        static decimal? Limit(V1Container c) =>
            c.Resources?.Limits?.TryGetValue("ephemeral-storage", out var q) == true ? q.ToDecimal() : null;

        // As kubelet's PodLimits: the containers that have a limit add up to the pod's; one is enough for a pod limit.
        var containerLimits = pod.Spec.Containers.Select(Limit).Where(l => l is not null).ToList();
        if (containerLimits.Count > 0)
        {
            var podLimit = containerLimits.Sum(l => l!.Value);
            if (podLimit > 0 && usage.Disk > podLimit)
            {
                return EvictionMessages.PodEphemeralStorage(Skiff.Api.Printing.QuantityText.BinarySI((long)podLimit));
            }
        }

        foreach (var container in pod.Spec.Containers)
        {
            if (container.Resources?.Limits?.TryGetValue("ephemeral-storage", out var limit) == true
                && usage.ContainerDisk.TryGetValue(container.Name, out var used) && used > limit.ToDecimal())
            {
                return EvictionMessages.ContainerEphemeralStorage(container.Name, limit.ToString());
            }
        }

        return null;
    }

    private async Task<bool> EvictAsync(V1Pod pod, PodEviction eviction, CancellationToken cancellationToken)
    {
        Log.Evicting(_logger, PodName(pod), eviction.Message);
        _events.Event(pod, "Warning", PodEviction.Reason, eviction.Message);
        if (await _pods.EvictAsync(pod, eviction, cancellationToken).ConfigureAwait(false))
        {
            Log.Evicted(_logger, PodName(pod));
            return true;
        }

        return false;
    }

    private static string PodName(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "EvictionSyncFailed", Level = LogLevel.Warning, Message = "eviction manager: cannot observe the node's signals: {Error}")]
        public static partial void SyncFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 2, EventName = "EvictionReclaiming", Level = LogLevel.Information, Message = "eviction manager: attempting to reclaim {Resource}: threshold {Threshold} met")]
        public static partial void Reclaiming(ILogger logger, string resource, string threshold);

        [LoggerMessage(EventId = 3, EventName = "EvictionReclaimed", Level = LogLevel.Information, Message = "eviction manager: able to reduce {Resource} pressure without evicting pods")]
        public static partial void Reclaimed(ILogger logger, string resource);

        [LoggerMessage(EventId = 4, EventName = "EvictionNothingToEvict", Level = LogLevel.Warning, Message = "eviction manager: eviction thresholds for {Resource} have been met, but no pods are active to evict")]
        public static partial void NothingToEvict(ILogger logger, string resource);

        [LoggerMessage(EventId = 5, EventName = "EvictionCriticalPod", Level = LogLevel.Warning, Message = "eviction manager: cannot evict a critical pod {Pod}")]
        public static partial void CriticalPod(ILogger logger, string pod);

        [LoggerMessage(EventId = 6, EventName = "EvictingPod", Level = LogLevel.Information, Message = "eviction manager: evicting pod {Pod}: {Message}")]
        public static partial void Evicting(ILogger logger, string pod, string message);

        [LoggerMessage(EventId = 7, EventName = "PodEvicted", Level = LogLevel.Information, Message = "eviction manager: pod {Pod} is evicted")]
        public static partial void Evicted(ILogger logger, string pod);

        [LoggerMessage(EventId = 8, EventName = "EvictionNoPodEvicted", Level = LogLevel.Warning, Message = "eviction manager: unable to evict any pod to reclaim {Resource}")]
        public static partial void NoPodEvicted(ILogger logger, string resource);

        [LoggerMessage(EventId = 9, EventName = "NodePressureChanged", Level = LogLevel.Information, Message = "node {Node}: {Condition}={Pressure}")]
        public static partial void ConditionChanged(ILogger logger, string node, string condition, bool pressure);

        [LoggerMessage(EventId = 11, EventName = "PodRejectedUnderPressure", Level = LogLevel.Information, Message = "eviction manager: pod {Pod} is not admitted: {Message}")]
        public static partial void Rejected(ILogger logger, string pod, string message);

        [LoggerMessage(EventId = 10, EventName = "EvictionReclaimFailed", Level = LogLevel.Warning, Message = "eviction manager: unexpected error when reclaiming {Resource}: {Error}")]
        public static partial void ReclaimFailed(ILogger logger, string resource, string error);
    }
}
