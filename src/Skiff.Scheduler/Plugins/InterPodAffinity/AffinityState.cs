using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.InterPodAffinity;

/// <summary>What InterPodAffinity's PreFilter counts once per pod, per topology domain (kube-scheduler's preFilterState).</summary>
internal sealed class AffinityState(Func<string, IDictionary<string, string>?> namespaceLabelsOf) : ICycleStateData
{
    /// <summary>The snapshot's namespace labels, for namespaceSelector terms when a pod is added later (AddPod).</summary>
    public Func<string, IDictionary<string, string>?> NamespaceLabelsOf { get; } = namespaceLabelsOf;

    /// <summary>Existing pods whose required anti-affinity rejects the incoming pod in this domain.</summary>
    public Dictionary<TopologyPair, long> ExistingAntiAffinity { get; } = [];

    /// <summary>Existing pods matching all the incoming pod's required affinity terms.</summary>
    public Dictionary<TopologyPair, long> Affinity { get; } = [];

    /// <summary>Existing pods matching one of the incoming pod's required anti-affinity terms.</summary>
    public Dictionary<TopologyPair, long> AntiAffinity { get; } = [];

    /// <summary>Whether the incoming pod matches all its own required affinity terms (may start a new group).</summary>
    public bool MatchesOwnTerms { get; set; }

    public ICycleStateData Clone()
    {
        var copy = new AffinityState(NamespaceLabelsOf) { MatchesOwnTerms = MatchesOwnTerms };
        foreach (var (k, v) in ExistingAntiAffinity)
        {
            copy.ExistingAntiAffinity[k] = v;
        }

        foreach (var (k, v) in Affinity)
        {
            copy.Affinity[k] = v;
        }

        foreach (var (k, v) in AntiAffinity)
        {
            copy.AntiAffinity[k] = v;
        }

        return copy;
    }
}
