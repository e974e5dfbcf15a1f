namespace Skiff.Scheduler.Configuration;

/// <summary>
/// A profile's plugins (KubeSchedulerConfiguration v1 Plugins): multiPoint applies to every extension point a
/// plugin implements; a set at one extension point enables or disables plugins there only.
/// </summary>
internal sealed class PluginsConfiguration
{
    public PluginSet? MultiPoint { get; set; }

    public PluginSet? QueueSort { get; set; }

    public PluginSet? PreEnqueue { get; set; }

    public PluginSet? PreFilter { get; set; }

    public PluginSet? Filter { get; set; }

    public PluginSet? PostFilter { get; set; }

    public PluginSet? PreScore { get; set; }

    public PluginSet? Score { get; set; }

    public PluginSet? Reserve { get; set; }

    public PluginSet? Permit { get; set; }

    public PluginSet? PreBind { get; set; }

    public PluginSet? Bind { get; set; }

    public PluginSet? PostBind { get; set; }

    /// <summary>The set configured at an extension point (<see cref="Framework.ExtensionPoints"/> names), or null.</summary>
    public PluginSet? At(string point) => point switch
    {
        Framework.ExtensionPoints.PreFilter => PreFilter,
        Framework.ExtensionPoints.Filter => Filter,
        Framework.ExtensionPoints.PostFilter => PostFilter,
        Framework.ExtensionPoints.PreScore => PreScore,
        Framework.ExtensionPoints.Score => Score,
        Framework.ExtensionPoints.Reserve => Reserve,
        Framework.ExtensionPoints.Permit => Permit,
        Framework.ExtensionPoints.PreBind => PreBind,
        Framework.ExtensionPoints.Bind => Bind,
        _ => null,
    };
}
