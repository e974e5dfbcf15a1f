namespace Skiff.ApiServer.Tests.Registry.Core;

/// <summary>A clock stopped at <see cref="CoreTestKit.Now"/>.</summary>
internal sealed class FixedTime : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => new(CoreTestKit.Now);
}
