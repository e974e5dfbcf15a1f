using Skiff.Client.Api;

namespace Skiff.Scheduler.Framework;

/// <summary>Shared dependencies of every profile: the API connection (null in unit tests without binding) and the tie-breaking randomness.</summary>
internal sealed record ClientContext(ApiConnection? Connection, Random Random);
