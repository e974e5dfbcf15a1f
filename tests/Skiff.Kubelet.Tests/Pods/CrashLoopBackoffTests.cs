using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Pods;

public class CrashLoopBackoffTests
{
    [Fact]
    public void First_restart_is_immediate_then_the_delay_doubles_from_10s_up_to_5m()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var backoff = new CrashLoopBackoff(time);
        Assert.False(backoff.InBackoff("c", time.GetUtcNow(), out _, out _));
        backoff.Next("c");

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 7; i++)
        {
            var finished = time.GetUtcNow();
            Assert.True(backoff.InBackoff("c", finished, out var delay, out var until));
            delays.Add(delay);
            Assert.Equal(finished + delay, until);
            time.Advance(delay);
            Assert.False(backoff.InBackoff("c", finished, out _, out _));
            backoff.Next("c");
        }

        Assert.Equal([10, 20, 40, 80, 160, 300, 300], delays.Select(d => (int)d.TotalSeconds));
    }

    [Fact]
    public void Container_running_for_ten_minutes_starts_again_at_10s()
    {
        var time = new FakeTimeProvider();
        var backoff = new CrashLoopBackoff(time);
        for (var i = 0; i < 5; i++)
        {
            backoff.Next("c");
        }

        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var finished = time.GetUtcNow();
        Assert.False(backoff.InBackoff("c", finished, out _, out _));
        backoff.Next("c");
        Assert.True(backoff.InBackoff("c", finished, out var delay, out _));
        Assert.Equal(TimeSpan.FromSeconds(10), delay);
    }

    [Fact]
    public void Keys_are_independent()
    {
        var time = new FakeTimeProvider();
        var backoff = new CrashLoopBackoff(time);
        backoff.Next("a");
        Assert.True(backoff.InBackoff("a", time.GetUtcNow(), out _, out _));
        Assert.False(backoff.InBackoff("b", time.GetUtcNow(), out _, out _));
    }

    [Fact]
    public void GoDuration_formats_like_go()
    {
        Assert.Equal("10s", Skiff.Api.Printing.GoDuration.Format(TimeSpan.FromSeconds(10)));
        Assert.Equal("2m40s", Skiff.Api.Printing.GoDuration.Format(TimeSpan.FromSeconds(160)));
        Assert.Equal("5m0s", Skiff.Api.Printing.GoDuration.Format(TimeSpan.FromMinutes(5)));
    }
}
