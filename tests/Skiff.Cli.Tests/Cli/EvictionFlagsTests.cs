using System.CommandLine;
using Skiff.Kubelet.Eviction;

namespace Skiff.Cli.Tests.Cli;

public sealed class EvictionFlagsTests
{
    private static (ServerCommandLine Cli, ParseResult Result) ParseServer(params string[] args)
    {
        var cli = new ServerCommandLine(() => "/default/data");
        var root = new RootCommand { cli.Command };
        return (cli, root.Parse(args));
    }

    [Fact]
    public void Server_NoEvictionFlags_UsesKubeletsDefaults()
    {
        var (cli, result) = ParseServer("server");

        Assert.Empty(result.Errors);
        var eviction = cli.Bind(result).Eviction!;
        Assert.Equal(5, eviction.Thresholds.Count);
        Assert.Equal(TimeSpan.FromMinutes(5), eviction.PressureTransitionPeriod);
        Assert.Equal(TimeSpan.FromSeconds(10), eviction.MonitoringInterval);
        Assert.Equal(0, eviction.MaxPodGracePeriodSeconds);
    }

    [Fact]
    public void Server_EvictionFlags_FlowIntoTheAgentsOptions()
    {
        var (cli, result) = ParseServer("server",
            "--eviction-hard", "nodefs.available<40%",
            "--eviction-soft", "memory.available<1Gi", "--eviction-soft-grace-period", "memory.available=1m30s",
            "--eviction-minimum-reclaim", "nodefs.available=100Mi",
            "--eviction-pressure-transition-period", "30s", "--eviction-max-pod-grace-period", "20", "--eviction-monitoring-interval", "2s");

        Assert.Empty(result.Errors);
        var eviction = cli.Bind(result).Eviction!;
        Assert.Equal([(EvictionSignal.NodeFsAvailable, true), (EvictionSignal.MemoryAvailable, false)], eviction.Thresholds.Select(t => (t.Signal, t.IsHard)));
        Assert.Equal(100L * 1024 * 1024, eviction.Thresholds[0].MinReclaim!.Quantity);
        Assert.Equal(TimeSpan.FromSeconds(90), eviction.Thresholds[1].GracePeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), eviction.PressureTransitionPeriod);
        Assert.Equal(20, eviction.MaxPodGracePeriodSeconds);
        Assert.Equal(TimeSpan.FromSeconds(2), eviction.MonitoringInterval);
    }

    [Theory]
    [InlineData("--eviction-hard", "disk.available<10%", "--eviction-hard: unsupported eviction signal disk.available")]
    [InlineData("--eviction-hard", "nodefs.available<150%", "--eviction-hard: eviction percentage threshold nodefs.available must be less than 100%: 150%")]
    [InlineData("--eviction-soft", "memory.available<1Gi", "grace period must be specified for the soft eviction threshold memory.available")]
    [InlineData("--eviction-pressure-transition-period", "soon", "--eviction-pressure-transition-period: 'soon' is not a non-negative duration")]
    [InlineData("--eviction-monitoring-interval", "0s", "--eviction-monitoring-interval: '0s' is not a positive duration")]
    [InlineData("--eviction-max-pod-grace-period", "soon", "Cannot parse argument 'soon' for option '--eviction-max-pod-grace-period'")]
    public void Server_BadEvictionFlag_IsAStartUpError(string flag, string value, string expected)
    {
        var (_, result) = ParseServer("server", flag, value);

        Assert.Contains(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Agent_TakesTheSameEvictionFlags()
    {
        var cli = new AgentCommandLine();
        var root = new RootCommand { cli.Command };

        var result = root.Parse(["agent", "--data-dir", "/d", "--server-data-dir", "/s", "--eviction-hard", "pid.available<1k"]);
        Assert.Empty(result.Errors);

        var bad = root.Parse(["agent", "--data-dir", "/d", "--server-data-dir", "/s", "--eviction-hard", "pid.available"]);
        Assert.Contains(bad.Errors, e => e.Message.Contains("invalid eviction threshold syntax", StringComparison.Ordinal));
    }
}
