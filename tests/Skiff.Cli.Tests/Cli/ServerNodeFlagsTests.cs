using System.CommandLine;
using Skiff.Cli;

namespace Skiff.Cli.Tests.Cli;

public sealed class ServerNodeFlagsTests
{
    private static (ServerCommandLine Cli, ParseResult Result) Parse(params string[] args)
    {
        var cli = new ServerCommandLine(() => "/default/data");
        var root = new RootCommand { cli.Command };
        return (cli, root.Parse(args));
    }

    [Fact]
    public void Bind_NoFlags_KeepsKubernetesDefaults()
    {
        var (cli, result) = Parse("server");
        var options = cli.Bind(result);
        Assert.Null(options.NodeMonitorGracePeriod);
        Assert.Null(options.NodeMonitorPeriod);
        Assert.Null(options.HorizontalPodAutoscalerSyncPeriod);
        Assert.Equal(300, options.DefaultNotReadyTolerationSeconds);
        Assert.Equal(300, options.DefaultUnreachableTolerationSeconds);
    }

    [Fact]
    public void Bind_GoDurationsAndSeconds_AreCarriedIntoTheOptions()
    {
        var (cli, result) = Parse(
            "server", "--node-monitor-grace-period", "1m30s", "--node-monitor-period", "500ms", "--horizontal-pod-autoscaler-sync-period", "5s",
            "--default-not-ready-toleration-seconds", "30", "--default-unreachable-toleration-seconds", "60");
        Assert.Empty(result.Errors);
        var options = cli.Bind(result);
        Assert.Equal(TimeSpan.FromSeconds(90), options.NodeMonitorGracePeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.NodeMonitorPeriod);
        Assert.Equal(TimeSpan.FromSeconds(5), options.HorizontalPodAutoscalerSyncPeriod);
        Assert.Equal(30, options.DefaultNotReadyTolerationSeconds);
        Assert.Equal(60, options.DefaultUnreachableTolerationSeconds);
    }

    [Theory]
    [InlineData("--node-monitor-grace-period", "forty")]
    [InlineData("--node-monitor-period", "0s")]
    [InlineData("--horizontal-pod-autoscaler-sync-period", "-5s")]
    public void Parse_BadDuration_IsAParseErrorNamingTheFlag(string flag, string value)
    {
        var (_, result) = Parse("server", flag, value);
        Assert.Contains(result.Errors, e => e.Message.Contains(flag, StringComparison.Ordinal) && e.Message.Contains("not a positive duration", StringComparison.Ordinal));
    }
}
