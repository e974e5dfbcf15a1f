using Skiff.Api.Protobuf;

namespace Skiff.Api.Tests.Protobuf;

public sealed class GoDurationTests
{
    // Expected strings are what Go's time.Duration.String returns for the same nanoseconds.
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(999L, "999ns")]
    [InlineData(1_500L, "1.5µs")]
    [InlineData(500_000_000L, "500ms")]
    [InlineData(1_000_000_000L, "1s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(120_000_000_000L, "2m0s")]
    [InlineData(3_723_000_000_000L, "1h2m3s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_600_000_000_001L, "1h0m0.000000001s")]
    [InlineData(-1_500_000_000L, "-1.5s")]
    [InlineData(long.MaxValue, "2562047h47m16.854775807s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    public void Format_MatchesGo(long nanoseconds, string expected)
    {
        Assert.Equal(expected, Skiff.Api.Printing.GoDuration.Format(nanoseconds));
    }
}
