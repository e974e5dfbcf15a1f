namespace Skiff.Kubelet.Eviction;

/// <summary>A request to evict one pod, handed to its pod worker (kubelet's killPodFunc with a status function).</summary>
/// <param name="Message">The pod status message (and the Evicted event's).</param>
/// <param name="GracePeriodSeconds">The grace period its containers get.</param>
/// <param name="DisruptionTarget">Whether to add the DisruptionTarget condition (reason TerminationByKubelet), as for pressure evictions.</param>
/// <param name="Rejected">The pod was refused admission and never started: its status carries no container statuses and
/// the message gets kubelet's <c>Pod was rejected: </c> prefix.</param>
internal sealed record PodEviction(string Message, long GracePeriodSeconds, bool DisruptionTarget, bool Rejected = false)
{
    /// <summary>The pod status reason of an evicted pod.</summary>
    public const string Reason = "Evicted";

    public const string DisruptionTargetCondition = "DisruptionTarget";
    public const string TerminationByKubelet = "TerminationByKubelet";
}
