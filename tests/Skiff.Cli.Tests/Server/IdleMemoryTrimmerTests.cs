using Skiff.Server;

namespace Skiff.Cli.Tests.Server;

public sealed class IdleMemoryTrimmerTests
{
    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(IdleMemoryTrimmer.BurstBytes, IdleMemoryTrimmer.QuietBytes - 1, true)]
    [InlineData(IdleMemoryTrimmer.BurstBytes, IdleMemoryTrimmer.QuietBytes, false)]
    [InlineData(IdleMemoryTrimmer.BurstBytes - 1, 0, false)]
    public void ShouldTrim_OnlyAfterBurstThenQuiet(long sinceTrim, long sinceSample, bool expected) =>
        Assert.Equal(expected, IdleMemoryTrimmer.ShouldTrim(sinceTrim, sinceSample));
}
