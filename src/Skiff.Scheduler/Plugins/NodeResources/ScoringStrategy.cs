namespace Skiff.Scheduler.Plugins.NodeResources;

/// <summary>NodeResourcesFit's scoringStrategy.type.</summary>
internal enum ScoringStrategy
{
    /// <summary>Prefer nodes with the most free capacity (spreads pods; the default).</summary>
    LeastAllocated,

    /// <summary>Prefer nodes with the least free capacity (bin packing).</summary>
    MostAllocated,
}
