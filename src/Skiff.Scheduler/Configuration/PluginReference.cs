namespace Skiff.Scheduler.Configuration;

/// <summary>A plugin named in a plugin set, with its score weight (0 or unset keeps the default weight).</summary>
internal sealed class PluginReference
{
    public string Name { get; set; } = "";

    public int? Weight { get; set; }
}
