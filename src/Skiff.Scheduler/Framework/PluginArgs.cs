using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>Per-plugin arguments from the configuration's pluginConfig (only those Skiff's plugins read).</summary>
internal sealed class PluginArgs
{
    /// <summary>NodeResourcesFit's scoringStrategy.type: LeastAllocated or MostAllocated.</summary>
    public string? ScoringStrategy { get; set; }

    /// <summary>InterPodAffinity's hardPodAffinityWeight (0..100; default 1).</summary>
    public int? HardPodAffinityWeight { get; set; }

    /// <summary>PodTopologySpread's defaultConstraints (used when defaultingType is List).</summary>
    public List<V1TopologySpreadConstraint>? DefaultConstraints { get; set; }

    /// <summary>PodTopologySpread's defaultingType: System (default) or List.</summary>
    public string? DefaultingType { get; set; }
}
