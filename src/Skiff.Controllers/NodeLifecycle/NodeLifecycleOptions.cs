namespace Skiff.Controllers.NodeLifecycle;

/// <summary>
/// Settings of the node lifecycle controller, named after kube-controller-manager's flags. Skiff's defaults are
/// Kubernetes' except where a <c>skiff server</c> flag sets them.
/// </summary>
public sealed class NodeLifecycleOptions
{
    /// <summary>How often node health is checked (<c>--node-monitor-period</c>, 5 s).</summary>
    public TimeSpan NodeMonitorPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a node may go without a Lease renewal or status heartbeat before its conditions become Unknown
    /// (<c>--node-monitor-grace-period</c>; Kubernetes' default is 40 s, and Skiff keeps it).
    /// </summary>
    public TimeSpan NodeMonitorGracePeriod { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>How long a node that never posted a Ready condition is given (<c>--node-startup-grace-period</c>, 60 s).</summary>
    public TimeSpan NodeStartupGracePeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Nodes per second that get a NoExecute taint in a healthy zone (<c>--node-eviction-rate</c>, 0.1).</summary>
    public double NodeEvictionRate { get; set; } = 0.1;

    /// <summary>The rate in a partially disrupted large zone (<c>--secondary-node-eviction-rate</c>, 0.01).</summary>
    public double SecondaryNodeEvictionRate { get; set; } = 0.01;

    /// <summary>Zones with at most this many nodes stop tainting when partially disrupted (<c>--large-cluster-size-threshold</c>, 50).</summary>
    public int LargeClusterSizeThreshold { get; set; } = 50;

    /// <summary>Share of not-ready nodes (more than two) that makes a zone partially disrupted (<c>--unhealthy-zone-threshold</c>, 0.55).</summary>
    public double UnhealthyZoneThreshold { get; set; } = 0.55;
}
