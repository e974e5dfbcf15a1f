using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Queue;

/// <summary>A pod waiting in the scheduling queue with its attempt history (kube-scheduler's framework.QueuedPodInfo).</summary>
internal sealed class QueuedPodInfo(PodInfo pod, DateTimeOffset now)
{
    public PodInfo Pod { get; set; } = pod;

    public string Key => Pod.Key;

    /// <summary>When the pod last entered a sub-queue; orders pods of equal priority (first in, first out).</summary>
    public DateTimeOffset Timestamp { get; set; } = now;

    public DateTimeOffset InitialAttemptTimestamp { get; } = now;

    public int Attempts { get; set; }

    /// <summary>The plugins that rejected the pod in its last attempt; only events they registered move it back.</summary>
    public HashSet<string> UnschedulablePlugins { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset BackoffExpiry { get; set; }

    /// <summary>Bumped whenever the entry is re-queued, so stale heap entries are recognised and skipped.</summary>
    public long Sequence { get; set; }
}
