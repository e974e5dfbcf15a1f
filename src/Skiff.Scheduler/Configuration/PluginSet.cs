namespace Skiff.Scheduler.Configuration;

/// <summary>Plugins enabled and disabled at one extension point; "*" in disabled removes every default.</summary>
internal sealed class PluginSet
{
    public List<PluginReference> Enabled { get; set; } = [];

    public List<PluginReference> Disabled { get; set; } = [];
}
