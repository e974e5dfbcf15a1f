using k8s.Models;
using Skiff.Kubelet.Eviction;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Node-pressure eviction in the pod worker (kubelet's killPodFunc with its status function): the worker stops the
/// pod's containers with the eviction's grace period, tears down its volumes, and from then on reports phase Failed, reason Evicted, the
/// eviction message and, for pressure evictions, the DisruptionTarget condition (reason TerminationByKubelet).
/// </summary>
internal sealed partial class PodWorker
{
    private PodEviction? _pendingEviction;
    private PodEviction? _eviction;
    private TaskCompletionSource? _evicted;
    private bool _admissionChecked;

    /// <summary>Whether the pod is finished or being evicted: it is no longer one of the node's active pods.</summary>
    public bool IsTerminal
    {
        get
        {
            lock (_lock)
            {
                return _removed || _pendingEviction is not null || _eviction is not null || _lastStatus?.Phase is "Succeeded" or "Failed";
            }
        }
    }

    /// <summary>Asks the worker to evict the pod; completes once its containers are stopped and its status written.</summary>
    public Task EvictAsync(PodEviction eviction)
    {
        Task done;
        lock (_lock)
        {
            if (_evicted is not null)
            {
                return _evicted.Task;
            }

            _pendingEviction = eviction;
            _evicted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done = _evicted.Task;
        }

        Signal();
        return done;
    }

    /// <summary>
    /// Carries out a pending eviction, or the rejection of a pod new to the node (kubelet's admission under node
    /// pressure: Failed, reason Evicted, nothing started): true when it did (the sync is over for this round).
    /// </summary>
    private async Task<bool> SyncEvictionAsync(V1Pod pod, RuntimePodState state, CancellationToken cancellationToken)
    {
        PodEviction? eviction;
        lock (_lock)
        {
            if (!_admissionChecked)
            {
                _admissionChecked = true;
                if (_pendingEviction is null && state.Sandboxes.Count == 0 && state.All.Count == 0 && (pod.Status?.Phase ?? "Pending") == "Pending"
                    && _ctx.Admit?.Invoke(pod) is { } rejection)
                {
                    _pendingEviction = new PodEviction(rejection, 0, DisruptionTarget: false, Rejected: true);
                }
            }

            eviction = _pendingEviction;
        }

        if (eviction is null)
        {
            return false;
        }

        await KillPodAsync(pod, state, TimeSpan.FromSeconds(eviction.GracePeriodSeconds), cancellationToken, removeSandbox: false).ConfigureAwait(false);

        // As kubelet tears down a terminated pod's volumes: an evicted pod's emptyDirs give their space back at once.
        await _ctx.Volumes.TearDownAsync(Uid, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _eviction = eviction;
            _pendingEviction = null;
        }

        await WriteStatusAsync(pod, await ObserveAsync(cancellationToken).ConfigureAwait(false), terminating: true, cancellationToken).ConfigureAwait(false);
        _evicted?.TrySetResult();
        return true;
    }

    /// <summary>
    /// Makes <paramref name="status"/> that of an evicted pod once the worker evicted it; an eviction recorded in the
    /// API status (from before an agent restart) is kept the same way, so a rewrite never drops the reason.
    /// </summary>
    private void ApplyEviction(V1PodStatus status, V1PodStatus? previous)
    {
        var eviction = _eviction;
        if (eviction is null)
        {
            if (previous is { Phase: "Failed", Reason: PodEviction.Reason } && status.Phase == "Failed")
            {
                status.Reason = previous.Reason;
                status.Message = previous.Message;
                if (previous.Conditions?.FirstOrDefault(c => c.Type == PodEviction.DisruptionTargetCondition) is { } kept)
                {
                    status.Conditions = [.. status.Conditions ?? [], kept];
                }
            }

            return;
        }

        status.Phase = "Failed";
        status.Reason = PodEviction.Reason;
        status.Message = eviction.Message;
        if (eviction.Rejected)
        {
            // kubelet's rejectPod writes only phase, reason and message: kubectl then shows STATUS Evicted.
            status.Message = "Pod was rejected: " + eviction.Message;
            status.ContainerStatuses = null;
            status.InitContainerStatuses = null;
        }
        if (eviction.DisruptionTarget)
        {
            var condition = previous?.Conditions?.FirstOrDefault(c => c.Type == PodEviction.DisruptionTargetCondition) ?? new V1PodCondition
            {
                Type = PodEviction.DisruptionTargetCondition,
                Status = "True",
                Reason = PodEviction.TerminationByKubelet,
                Message = eviction.Message,
                LastTransitionTime = _ctx.Time.GetUtcNow().UtcDateTime,
            };
            status.Conditions = [.. (status.Conditions ?? []).Where(c => c.Type != PodEviction.DisruptionTargetCondition), condition];
        }
    }
}
