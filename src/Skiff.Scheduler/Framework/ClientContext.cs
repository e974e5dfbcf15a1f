using Skiff.Client.Api;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// Shared dependencies of every profile: the API connection (null in unit tests without binding), the
/// tie-breaking randomness, the informer caches plugins read, and the clock plugins wait on.
/// </summary>
internal sealed record ClientContext(ApiConnection? Connection, Random Random, SchedulerListers? Listers = null, TimeProvider? Time = null)
{
    public SchedulerListers ListersOrEmpty { get; } = Listers ?? new SchedulerListers();

    public TimeProvider Clock => Time ?? TimeProvider.System;
}
