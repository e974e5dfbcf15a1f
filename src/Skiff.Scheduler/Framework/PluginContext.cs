using Skiff.Client.Api;

namespace Skiff.Scheduler.Framework;

/// <summary>What plugin factories may use (kube-scheduler's framework.Handle, reduced): the API connection, listers, clock and the profile being built.</summary>
internal sealed class PluginContext(ClientContext client, Func<SchedulerProfile> profile, PluginArgs args)
{
    /// <summary>Null in unit tests that build profiles without a server.</summary>
    public ApiConnection? Connection => client.Connection;

    public SchedulerListers Listers => client.ListersOrEmpty;

    public TimeProvider Time => client.Clock;

    /// <summary>The profile the plugin belongs to; available once construction finishes.</summary>
    public Func<SchedulerProfile> Profile { get; } = profile;

    public PluginArgs Args { get; } = args;
}
