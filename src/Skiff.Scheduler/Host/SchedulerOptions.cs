using Skiff.Client.LeaderElection;
using Skiff.Scheduler.Configuration;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler.Host;

/// <summary>Settings of the scheduler process; defaults are kube-scheduler's.</summary>
internal sealed class SchedulerOptions
{
    /// <summary>Whether to schedule only while holding the kube-scheduler Lease (<c>--leader-elect</c>).</summary>
    public bool LeaderElect { get; set; } = true;

    public LeaderElectionOptions LeaderElection { get; set; } = new() { LeaseName = "kube-scheduler" };

    /// <summary>How often informers redeliver every object.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.Zero;

    public SchedulingQueueOptions Queue { get; set; } = new();

    /// <summary>The profiles in KubeSchedulerConfiguration shape; one default-scheduler profile when unset.</summary>
    public SchedulerConfiguration Configuration { get; set; } = new();
}
