namespace Skiff.Scheduler.Queue;

/// <summary>Timing of the scheduling queue; defaults are kube-scheduler's.</summary>
internal sealed class SchedulingQueueOptions
{
    /// <summary><c>podInitialBackoffSeconds</c>: the backoff after the first failed attempt, doubled per attempt.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>podMaxBackoffSeconds</c>.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a pod may sit unschedulable without a relevant event before it is retried anyway (podMaxInUnschedulablePodsDuration).</summary>
    public TimeSpan MaxInUnschedulable { get; set; } = TimeSpan.FromMinutes(5);
}
