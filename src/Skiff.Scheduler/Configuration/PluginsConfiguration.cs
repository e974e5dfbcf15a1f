namespace Skiff.Scheduler.Configuration;

/// <summary>A profile's plugins: multiPoint applies to every extension point a plugin implements; score adjusts scoring only.</summary>
internal sealed class PluginsConfiguration
{
    public PluginSet? MultiPoint { get; set; }

    public PluginSet? Score { get; set; }
}
