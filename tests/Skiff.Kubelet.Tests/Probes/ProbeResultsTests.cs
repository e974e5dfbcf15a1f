using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

public class ProbeResultsTests
{
    [Fact]
    public void Set_publishes_changes_only()
    {
        var results = new ProbeResults();
        var raised = new List<ProbeUpdate>();
        results.Changed += raised.Add;
        var u = new ProbeUpdate("pod", "app", "c1", ProbeType.Readiness, ProbeResult.Failure, null);
        results.Set(u);
        results.Set(u);
        results.Set(u with { Result = ProbeResult.Success });
        results.Set(u with { Type = ProbeType.Liveness, Result = ProbeResult.Success });
        Assert.Equal(3, raised.Count);
        Assert.True(results.TryGet("c1", ProbeType.Readiness, out var r));
        Assert.Equal(ProbeResult.Success, r);
        var read = 0;
        while (results.Updates.TryRead(out _))
        {
            read++;
        }

        Assert.Equal(3, read);
        results.Remove("c1", ProbeType.Readiness);
        Assert.False(results.TryGet("c1", ProbeType.Readiness, out _));
        Assert.True(results.TryGet("c1", ProbeType.Liveness, out _));
    }

    [Theory]
    [InlineData(1, "1s")]
    [InlineData(59, "59s")]
    [InlineData(90, "1m30s")]
    [InlineData(3600, "1h0m0s")]
    public void Durations_print_like_go(int seconds, string text) =>
        Assert.Equal(text, Skiff.Api.Printing.GoDuration.Format(TimeSpan.FromSeconds(seconds)));
}
