using k8s.Models;

namespace Skiff.Controllers.Job;

/// <summary>
/// Failed pods since the job's last success and when the latest of them finished: what the delay before creating
/// the next pod is computed from (the job controller's backoffRecord).
/// </summary>
internal sealed record BackoffRecord(int FailuresAfterLastSuccess, DateTimeOffset? LastFailureTime)
{
    /// <summary>kube-controller-manager's DefaultJobPodFailureBackOff.</summary>
    public static readonly TimeSpan DefaultBackoff = TimeSpan.FromSeconds(10);

    /// <summary>kube-controller-manager's MaxJobPodFailureBackOff.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(6);

    public static readonly BackoffRecord None = new(0, null);

    /// <summary>
    /// The record after newly finished pods are counted (newBackoffRecord): a success resets it, and only failures
    /// that finished after the latest success count.
    /// </summary>
    public BackoffRecord With(IReadOnlyList<V1Pod> newSucceeded, IReadOnlyList<V1Pod> newFailed)
    {
        var failedTimes = newFailed.Select(JobPods.FinishedTime).Order().ToList();
        if (newSucceeded.Count == 0)
        {
            return failedTimes.Count == 0 ? this : new BackoffRecord(FailuresAfterLastSuccess + failedTimes.Count, failedTimes[^1]);
        }

        var lastSuccess = newSucceeded.Select(JobPods.FinishedTime).Max();
        var after = failedTimes.Where(t => t > lastSuccess).ToList();
        return after.Count == 0 ? None : new BackoffRecord(after.Count, after[^1]);
    }

    /// <summary>
    /// How long pod creation must still wait: 10 s after the first failure, doubling with each further one,
    /// at most 6 minutes, counted from when the latest failed pod finished.
    /// </summary>
    public TimeSpan RemainingTime(DateTimeOffset now)
    {
        if (FailuresAfterLastSuccess == 0 || LastFailureTime is not { } last)
        {
            return TimeSpan.Zero;
        }

        var backoff = DefaultBackoff;
        for (var i = 1; i < FailuresAfterLastSuccess && backoff < MaxBackoff; i++)
        {
            backoff *= 2;
        }

        if (backoff > MaxBackoff)
        {
            backoff = MaxBackoff;
        }

        var elapsed = now - last;
        return backoff < elapsed ? TimeSpan.Zero : backoff - elapsed;
    }
}
