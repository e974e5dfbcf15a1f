namespace Skiff.Scheduler.Framework;

/// <summary>Per-plugin arguments from the configuration's pluginConfig (only those Skiff's plugins read).</summary>
internal sealed class PluginArgs
{
    /// <summary>NodeResourcesFit's scoringStrategy.type: LeastAllocated or MostAllocated.</summary>
    public string? ScoringStrategy { get; set; }
}
