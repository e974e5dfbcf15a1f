using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.PodTopologySpread;

/// <summary>Matching pods per domain for each constraint, and each constraint's minimum (kube-scheduler's preFilterState).</summary>
internal sealed class SpreadState(List<SpreadConstraint> constraints)
{
    public List<SpreadConstraint> Constraints { get; } = constraints;

    public Dictionary<TopologyPair, long> Counts { get; } = [];

    /// <summary>Per constraint index: the smallest count over its domains (0 if fewer domains than minDomains).</summary>
    public long[] MinMatch { get; } = new long[constraints.Count];

    /// <summary>Per constraint index: how many domains it has (used as the score weight's base).</summary>
    public int[] Domains { get; } = new int[constraints.Count];
}
