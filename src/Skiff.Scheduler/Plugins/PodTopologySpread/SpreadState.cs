using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.PodTopologySpread;

/// <summary>Matching pods per domain for each constraint, and each constraint's minimum (kube-scheduler's preFilterState).</summary>
internal sealed class SpreadState(List<SpreadConstraint> constraints) : ICycleStateData
{
    public List<SpreadConstraint> Constraints { get; } = constraints;

    public Dictionary<TopologyPair, long> Counts { get; } = [];

    /// <summary>Per constraint index: the smallest count over its domains (0 if fewer domains than minDomains).</summary>
    public long[] MinMatch { get; } = new long[constraints.Count];

    /// <summary>Per constraint index: how many domains it has (used as the score weight's base).</summary>
    public int[] Domains { get; } = new int[constraints.Count];

    /// <summary>Per constraint index: its domains (shared between copies: AddPod only counts into known domains).</summary>
    public HashSet<TopologyPair>[] DomainSets { get; private init; } = new HashSet<TopologyPair>[constraints.Count];

    /// <summary>
    /// Whether a node must carry every constraint's key to take part (false only for the scheduler's system default
    /// constraints, where a node without a zone label still counts by hostname, as upstream does).
    /// </summary>
    public bool RequireAllTopologies { get; init; } = true;

    public ICycleStateData Clone()
    {
        var copy = new SpreadState(Constraints) { DomainSets = DomainSets, RequireAllTopologies = RequireAllTopologies };
        foreach (var (k, v) in Counts)
        {
            copy.Counts[k] = v;
        }

        MinMatch.CopyTo(copy.MinMatch, 0);
        Domains.CopyTo(copy.Domains, 0);
        return copy;
    }
}
