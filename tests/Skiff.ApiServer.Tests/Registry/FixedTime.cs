namespace Skiff.ApiServer.Tests.Registry;

/// <summary>A clock stopped at <see cref="Strategies.Now"/>.</summary>
internal sealed class FixedTime : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => new(Strategies.Now);
}
