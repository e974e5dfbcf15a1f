using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.InterPodAffinity;

/// <summary>What InterPodAffinity's PreFilter counts once per pod, per topology domain (kube-scheduler's preFilterState).</summary>
internal sealed class AffinityState
{
    /// <summary>Existing pods whose required anti-affinity rejects the incoming pod in this domain.</summary>
    public Dictionary<TopologyPair, long> ExistingAntiAffinity { get; } = [];

    /// <summary>Existing pods matching all the incoming pod's required affinity terms.</summary>
    public Dictionary<TopologyPair, long> Affinity { get; } = [];

    /// <summary>Existing pods matching one of the incoming pod's required anti-affinity terms.</summary>
    public Dictionary<TopologyPair, long> AntiAffinity { get; } = [];

    /// <summary>Whether the incoming pod matches all its own required affinity terms (may start a new group).</summary>
    public bool MatchesOwnTerms { get; set; }
}
