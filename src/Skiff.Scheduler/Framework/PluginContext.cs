using Skiff.Client.Api;

namespace Skiff.Scheduler.Framework;

/// <summary>What plugin factories may use (kube-scheduler's framework.Handle, reduced): the API connection and the profile being built.</summary>
internal sealed class PluginContext(ApiConnection? connection, Func<SchedulerProfile> profile, PluginArgs args)
{
    public ApiConnection Connection => connection ?? throw new InvalidOperationException("this plugin needs an API connection");

    /// <summary>The profile the plugin belongs to; available once construction finishes.</summary>
    public Func<SchedulerProfile> Profile { get; } = profile;

    public PluginArgs Args { get; } = args;
}
