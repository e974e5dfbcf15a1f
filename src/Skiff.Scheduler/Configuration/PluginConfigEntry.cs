using System.Text.Json;

namespace Skiff.Scheduler.Configuration;

/// <summary>Arguments for one plugin (pluginConfig[].args); Skiff reads NodeResourcesFit's scoringStrategy.type.</summary>
internal sealed class PluginConfigEntry
{
    public string Name { get; set; } = "";

    public JsonElement Args { get; set; }
}
