using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Host;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler;

/// <summary>
/// The scheduling loop (kube-scheduler's Scheduler.ScheduleOne): pop the next pod, bring the snapshot up to
/// date, filter and score nodes, assume the pod onto the chosen node in the cache and bind it in the
/// background, so the next cycle starts without waiting for the API round trip. A pod no node fits gets
/// PodScheduled=False (reason Unschedulable, upstream's message), a FailedScheduling event, and waits in the
/// queue for a cluster event that can help it.
/// </summary>
internal sealed partial class Scheduler
{
    /// <summary>Pods without spec.schedulerName belong to the default scheduler (the API server defaults it too).</summary>
    public const string DefaultSchedulerName = "default-scheduler";

    private readonly SchedulerCache _cache;
    private readonly SchedulingQueue _queue;
    private readonly IReadOnlyDictionary<string, SchedulerProfile> _profiles;
    private readonly IPodStatusPatcher? _pods;
    private readonly IEventRecorder _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Snapshot _snapshot = new();
    private readonly Nominator _nominator = new();
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private long _scheduled;
    private long _failed;

    public Scheduler(SchedulerCache cache, SchedulingQueue queue, IReadOnlyDictionary<string, SchedulerProfile> profiles, IPodStatusPatcher? pods, IEventRecorder events, TimeProvider time, ILogger logger)
    {
        _cache = cache;
        _queue = queue;
        _profiles = profiles;
        _pods = pods;
        _events = events;
        _time = time;
        _logger = logger;
    }

    /// <summary>Pods bound so far.</summary>
    public long Scheduled => Interlocked.Read(ref _scheduled);

    /// <summary>Scheduling attempts that found no node.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public SchedulingQueue Queue => _queue;

    public SchedulerCache Cache => _cache;

    /// <summary>Pods nominated to nodes by preemption and not bound yet.</summary>
    public Nominator Nominator => _nominator;

    /// <summary>Runs the loop until cancelled; binding tasks still in flight are awaited before returning.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var flushes = _queue.RunAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (pod, cycle) = await _queue.PopAsync(cancellationToken).ConfigureAwait(false);
                await ScheduleOneAsync(pod, cycle, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await flushes.ConfigureAwait(false);
        await DrainAsync().ConfigureAwait(false);
    }

    /// <summary>Schedules the next active pod if there is one (tests drive the loop with this).</summary>
    public async Task<bool> ScheduleNextAsync(CancellationToken cancellationToken)
    {
        if (!_queue.TryPop(out var popped))
        {
            return false;
        }

        await ScheduleOneAsync(popped.Pod, popped.Cycle, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Waits for the bindings and status writes started so far.</summary>
    public async Task DrainAsync()
    {
        while (!_background.IsEmpty)
        {
            await Task.WhenAll(_background.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    internal async Task ScheduleOneAsync(QueuedPodInfo queued, long cycle, CancellationToken cancellationToken)
    {
        var podInfo = queued.Pod;
        var pod = podInfo.Pod;
        if (!_profiles.TryGetValue(pod.Spec.SchedulerName ?? DefaultSchedulerName, out var profile)
            || pod.Metadata.DeletionTimestamp is not null || !string.IsNullOrEmpty(pod.Spec.NodeName) || _cache.IsAssumed(podInfo.Uid))
        {
            // kube-scheduler's skipPodSchedule: deleted, bound or assumed meanwhile.
            _queue.Done(queued.Key);
            return;
        }

        try
        {
            _cache.UpdateSnapshot(_snapshot);
            if (_snapshot.Nodes.Count == 0)
            {
                queued.UnschedulablePlugins.Clear();
                Fail(queued, cycle, FitError.NoNodesAvailable, null);
                return;
            }

            var state = new CycleState();
            var result = profile.FindFeasibleNodes(state, podInfo, _snapshot, _nominator);
            if (result.PreFilterStatus is { Code: StatusCode.Error } error)
            {
                // An internal failure (a missing StorageClass, say) is retried with backoff, not treated as a fit error.
                Log.AttemptError(_logger, podInfo.Key, string.Join(", ", error.Reasons));
                _events.Event(pod, "Warning", "FailedScheduling", string.Join(", ", error.Reasons));
                _queue.AddBackoff(queued);
                return;
            }

            if (result.Feasible.Count == 0)
            {
                // A PreFilter rejection applies to every node; preemption then sees that status everywhere.
                IReadOnlyDictionary<string, Status> statuses = result.PreFilterStatus is { } pre
                    ? _snapshot.Nodes.ToDictionary(n => n.Name, _ => pre, StringComparer.Ordinal)
                    : result.NodeStatuses;
                var post = await profile.RunPostFilterAsync(state, podInfo, _snapshot, statuses, cancellationToken).ConfigureAwait(false);
                if (post?.NominatedNodeName is { } nominated)
                {
                    _nominator.Nominate(podInfo, nominated);
                }

                queued.UnschedulablePlugins.Clear();
                queued.UnschedulablePlugins.UnionWith(result.RejectingPlugins);
                Fail(queued, cycle, FitError.Message(_snapshot.Nodes.Count, result, post?.Message), post?.NominatedNodeName);
                return;
            }

            // One feasible node needs no scoring (kube-scheduler skips it too).
            var chosen = result.Feasible.Count == 1
                ? result.Feasible[0]
                : profile.SelectHost(profile.Score(state, podInfo, result.Feasible, _snapshot));

            _cache.Assume(podInfo, chosen.Name);
            var reserved = profile.RunReserve(state, podInfo, chosen.Name);
            if (!reserved.IsSuccess)
            {
                _cache.Forget(podInfo);
                Log.AttemptError(_logger, podInfo.Key, string.Join(", ", reserved.Reasons));
                _queue.AddBackoff(queued);
                return;
            }

            var permit = profile.RunPermit(state, podInfo, chosen.Name);
            if (!permit.IsSuccess && permit.Code != StatusCode.Wait)
            {
                profile.RunUnreserve(state, podInfo, chosen.Name);
                _cache.Forget(podInfo);
                queued.UnschedulablePlugins.Clear();
                if (permit.Plugin is { } plugin)
                {
                    queued.UnschedulablePlugins.Add(plugin);
                }

                Fail(queued, cycle, string.Join(", ", permit.Reasons), null);
                return;
            }

            Track(BindAsync(profile, state, queued, chosen.Name, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.AttemptError(_logger, podInfo.Key, ex.Message);
            _queue.AddBackoff(queued);
        }
    }

    /// <summary>The binding cycle: runs off the scheduling loop; on failure the assumption is undone and the pod retried.</summary>
    private async Task BindAsync(SchedulerProfile profile, CycleState state, QueuedPodInfo queued, string nodeName, CancellationToken cancellationToken)
    {
        var podInfo = queued.Pod;
        Status status;
        try
        {
            status = await profile.WaitOnPermitAsync(podInfo, cancellationToken).ConfigureAwait(false);
            if (status.IsSuccess)
            {
                status = await profile.RunPreBindAsync(state, podInfo, nodeName, cancellationToken).ConfigureAwait(false);
            }

            if (status.IsSuccess)
            {
                status = await profile.RunBindAsync(podInfo, nodeName, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or ApiException or TaskCanceledException)
        {
            status = Status.Error(ex.Message);
        }

        if (status.IsSuccess)
        {
            Interlocked.Increment(ref _scheduled);
            _nominator.Remove(podInfo.Uid);
            _events.Event(podInfo.Pod, "Normal", "Scheduled", $"Successfully assigned {podInfo.Key} to {nodeName}");
            Log.Bound(_logger, podInfo.Key, nodeName);
            _queue.Done(queued.Key);
            return;
        }

        _cache.Forget(podInfo);
        profile.RunUnreserve(state, podInfo, nodeName);

        // What the pod held is free again: other pods may fit now (upstream moves pods as on a pod delete).
        _queue.OnClusterEvent(ClusterEvent.AssignedPodDelete);
        Log.BindFailed(_logger, podInfo.Key, nodeName, string.Join(", ", status.Reasons));
        if (status.Code == StatusCode.Unschedulable && status.Plugin is { } rejecting)
        {
            // Rejected at Permit (or by a PreBind plugin as unschedulable): wait for an event, like a Filter failure.
            queued.UnschedulablePlugins.Clear();
            queued.UnschedulablePlugins.Add(rejecting);
            Fail(queued, 0, string.Join(", ", status.Reasons), null);
        }
        else if (status.Code == StatusCode.UnschedulableAndUnresolvable)
        {
            // 409: bound by someone else or being deleted; the informer brings the truth.
            _queue.Done(queued.Key);
        }
        else
        {
            _queue.AddBackoff(queued);
        }
    }

    private void Fail(QueuedPodInfo queued, long cycle, string message, string? nominatedNode)
    {
        Interlocked.Increment(ref _failed);
        var pod = queued.Pod.Pod;
        Log.Unschedulable(_logger, queued.Key, message);
        _events.Event(pod, "Warning", "FailedScheduling", message);
        _queue.AddUnschedulable(queued, cycle);
        Track(MarkUnschedulableAsync(pod, message, nominatedNode));
    }

    /// <summary>
    /// Writes PodScheduled=False/Unschedulable with the message (kube-scheduler's updatePod), skipping the
    /// write when the pod already says exactly that, so retries do not churn the API.
    /// </summary>
    private async Task MarkUnschedulableAsync(V1Pod pod, string message, string? nominatedNode)
    {
        if (_pods is null)
        {
            return;
        }

        var existing = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (existing is { Status: "False", Reason: "Unschedulable" } && existing.Message == message && nominatedNode is null)
        {
            return;
        }

        var condition = new V1PodCondition
        {
            Type = "PodScheduled",
            Status = "False",
            Reason = "Unschedulable",
            Message = message,
            LastTransitionTime = existing?.Status == "False" ? existing.LastTransitionTime : _time.GetUtcNow().UtcDateTime,
        };

        // Strategic merge: conditions merge by type, so only PodScheduled changes.
        var status = new V1PodStatus { Conditions = [condition], NominatedNodeName = nominatedNode };
        var patch = "{\"status\":" + KubernetesJson.Serialize(status) + "}";
        try
        {
            await _pods.PatchStatusAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // Gone or unreachable: the next attempt writes it again.
            Log.StatusUpdateFailed(_logger, pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name, ex.Message);
        }
    }

    private void Track(Task task)
    {
        if (task.IsCompleted)
        {
            return;
        }

        _background.TryAdd(task, 0);
        _ = task.ContinueWith(t => _background.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PodBound", Level = LogLevel.Debug, Message = "bound {Pod} to {Node}")]
        public static partial void Bound(ILogger logger, string pod, string node);

        [LoggerMessage(EventId = 2, EventName = "PodUnschedulable", Level = LogLevel.Information, Message = "unable to schedule {Pod}: {Message}")]
        public static partial void Unschedulable(ILogger logger, string pod, string message);

        [LoggerMessage(EventId = 3, EventName = "BindFailed", Level = LogLevel.Warning, Message = "binding {Pod} to {Node} failed: {Reason}")]
        public static partial void BindFailed(ILogger logger, string pod, string node, string reason);

        [LoggerMessage(EventId = 4, EventName = "AttemptError", Level = LogLevel.Warning, Message = "scheduling {Pod} failed: {Error}")]
        public static partial void AttemptError(ILogger logger, string pod, string error);

        [LoggerMessage(EventId = 6, EventName = "HandlerFailed", Level = LogLevel.Error, Message = "informer event handler failed")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5, EventName = "StatusUpdateFailed", Level = LogLevel.Debug, Message = "updating the PodScheduled condition of {Pod} failed: {Error}")]
        public static partial void StatusUpdateFailed(ILogger logger, string pod, string error);
    }
}
