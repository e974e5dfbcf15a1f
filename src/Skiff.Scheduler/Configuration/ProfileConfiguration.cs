namespace Skiff.Scheduler.Configuration;

/// <summary>One entry of profiles[]: the scheduler name pods select with spec.schedulerName, and its plugins.</summary>
internal sealed class ProfileConfiguration
{
    public string SchedulerName { get; set; } = Scheduler.DefaultSchedulerName;

    public PluginsConfiguration? Plugins { get; set; }

    public List<PluginConfigEntry> PluginConfig { get; set; } = [];
}
