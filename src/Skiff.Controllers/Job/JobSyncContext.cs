using k8s.Models;

namespace Skiff.Controllers.Job;

/// <summary>What one sync of a job has worked out so far (the job controller's syncJobCtx).</summary>
internal sealed class JobSyncContext
{
    public required V1Job Job { get; set; }

    /// <summary>Every pod the job controls, finished and terminating ones included.</summary>
    public required List<V1Pod> Pods { get; init; }

    public required List<V1Pod> Active { get; init; }

    /// <summary>UIDs of pods whose finalizer removal was issued but not yet seen in the cache.</summary>
    public required HashSet<string> ExpectedRemovals { get; init; }

    public required HashSet<string> UncountedSucceeded { get; init; }

    public required HashSet<string> UncountedFailed { get; init; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    public int Ready { get; set; }

    public int Terminating { get; set; }

    /// <summary>The condition the job is heading for (interim SuccessCriteriaMet / FailureTarget, then Complete / Failed).</summary>
    public V1JobCondition? Finished { get; set; }

    public CompletionIndexes PreviousSucceededIndexes { get; set; } = CompletionIndexes.Empty;

    public CompletionIndexes SucceededIndexes { get; set; } = CompletionIndexes.Empty;

    public BackoffRecord NewBackoff { get; set; } = BackoffRecord.None;

    /// <summary>With backoffLimitPerIndex: indexes that failed for good (status.failedIndexes).</summary>
    public CompletionIndexes FailedIndexes { get; set; } = CompletionIndexes.Empty;

    /// <summary>
    /// With backoffLimitPerIndex: per index not yet running again, its latest failed pod, which keeps its finalizer
    /// (and so its failure count) until a replacement exists.
    /// </summary>
    public Dictionary<int, V1Pod> DelayedDeletion { get; set; } = [];

    public bool PerIndexBackoff => Indexed && Job.Spec.BackoffLimitPerIndex is not null;

    /// <summary>When the job must be looked at again even if nothing changes (deadline, backoff).</summary>
    public TimeSpan? Requeue { get; set; }

    public bool Indexed => Job.Spec.CompletionMode == "Indexed";

    public int Completions => Job.Spec.Completions ?? 0;

    public void RequeueAfter(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        Requeue = Requeue is { } current && current < delay ? current : delay;
    }

    /// <summary>Whether a pod's completion index is usable for this job (known and below completions).</summary>
    public bool ValidIndex(V1Pod pod)
    {
        var ix = JobPods.CompletionIndex(pod);
        return ix >= 0 && ix < Completions;
    }
}
