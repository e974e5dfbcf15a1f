using System.Text;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Server;

namespace Skiff.Kubelet.Tests.Server;

public class CriLogReaderTests
{
    private const string Log =
        "2026-01-01T00:00:01.000000001Z stdout F first\n" +
        "2026-01-01T00:00:02.5Z stderr P part-\n" +
        "2026-01-01T00:00:02.6Z stderr F two\n" +
        "2026-01-01T00:00:03Z stdout F third\n" +
        "2026-01-01T00:00:04Z stdout F\n" +
        "2026-01-01T00:00:05Z stdout F incomplete";

    [Fact]
    public void Parse_joins_partial_entries_and_stops_before_an_unterminated_line()
    {
        var lines = CriLogReader.Parse(Log, out var consumed);
        Assert.Equal(["first\n", "part-two\n", "third\n", "\n"], lines.Select(l => l.Content));
        Assert.Equal("stderr", lines[1].Stream);
        Assert.Equal(Log.IndexOf("2026-01-01T00:00:05Z", StringComparison.Ordinal), consumed);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:03Z"), lines[2].Time);
    }

    [Theory]
    [InlineData(null, null, false, null, "first\npart-two\nthird\n\n")]
    [InlineData(2L, null, false, null, "third\n\n")]
    [InlineData(0L, null, false, null, "")]
    [InlineData(null, 8L, false, null, "first\npa")]
    [InlineData(1L, null, true, null, "2026-01-01T00:00:04Z \n")]
    [InlineData(null, null, false, "2026-01-01T00:00:02.6Z", "part-two\nthird\n\n")]
    public async Task Write_applies_tail_limit_timestamps_and_since(long? tail, long? limit, bool timestamps, string? since, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, Log);
            using var output = new MemoryStream();
            var options = new LogOptions { TailLines = tail, LimitBytes = limit, Timestamps = timestamps, Since = since is null ? null : DateTimeOffset.Parse(since) };
            await CriLogReader.WriteAsync(path, options, output, _ => Task.FromResult(false), new FakeTimeProvider(), CancellationToken.None);
            Assert.Equal(expected, Encoding.UTF8.GetString(output.ToArray()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LogOptions_parse_reads_kubectl_query_and_rejects_bad_numbers()
    {
        var now = DateTimeOffset.Parse("2026-01-01T00:01:00Z");
        var query = new Dictionary<string, string> { ["follow"] = "true", ["tailLines"] = "5", ["sinceSeconds"] = "30", ["timestamps"] = "true" };
        var options = LogOptions.Parse(query.GetValueOrDefault, now, out var error);
        Assert.Null(error);
        Assert.True(options.Follow);
        Assert.True(options.Timestamps);
        Assert.False(options.Previous);
        Assert.Equal(5, options.TailLines);
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:30Z"), options.Since);

        LogOptions.Parse(new Dictionary<string, string> { ["tailLines"] = "x" }.GetValueOrDefault, now, out error);
        Assert.Equal("tailLines: invalid value \"x\"", error);
    }
}
