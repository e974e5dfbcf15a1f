using Skiff.ApiServer.Registry.Metrics;

namespace Skiff.ApiServer.Tests.Registry.Metrics;

public sealed class PrometheusTextTests
{
    /// <summary>What a kubelet's /metrics/resource looks like (trimmed).</summary>
    internal const string KubeletResourceMetrics = """
        # HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
        # TYPE container_cpu_usage_seconds_total counter
        container_cpu_usage_seconds_total{container="app",namespace="shop",pod="web-1"} 12.5 1764100010000
        container_cpu_usage_seconds_total{container="side",namespace="shop",pod="web-1"} 0.25 1764100010000
        container_cpu_usage_seconds_total{container="only-cpu",namespace="shop",pod="half"} 1 1764100010000
        # HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
        # TYPE container_memory_working_set_bytes gauge
        container_memory_working_set_bytes{container="app",namespace="shop",pod="web-1"} 1.048576e+07 1764100010000
        container_memory_working_set_bytes{container="side",namespace="shop",pod="web-1"} 2048 1764100010000
        # HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
        # TYPE container_start_time_seconds gauge
        container_start_time_seconds{container="app",namespace="shop",pod="web-1"} 1.7641e+09 1764100010000
        # HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
        # TYPE node_cpu_usage_seconds_total counter
        node_cpu_usage_seconds_total 1000.5 1764100010000
        # HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
        # TYPE node_memory_working_set_bytes gauge
        node_memory_working_set_bytes 1.073741824e+09 1764100010000
        # HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
        # TYPE resource_scrape_error gauge
        resource_scrape_error 0
        """;

    [Fact]
    public void Parse_ReadsNamesLabelsValuesAndTimestamps()
    {
        var samples = PrometheusText.Parse(KubeletResourceMetrics);

        Assert.Equal(9, samples.Count);
        var first = samples[0];
        Assert.Equal("container_cpu_usage_seconds_total", first.Name);
        Assert.Equal(new Dictionary<string, string> { ["container"] = "app", ["namespace"] = "shop", ["pod"] = "web-1" }, first.Labels);
        Assert.Equal(12.5, first.Value);
        Assert.Equal(1764100010000, first.TimestampMs);
        Assert.Equal(1073741824, samples.Single(s => s.Name == "node_memory_working_set_bytes").Value);
        Assert.Null(samples.Single(s => s.Name == "resource_scrape_error").TimestampMs);
    }

    [Fact]
    public void Parse_EscapedLabelValuesAndSpecialValues()
    {
        var samples = PrometheusText.Parse("m{a=\"x\\\"y\\\\z\\n\", b=\"\"} NaN\nn +Inf 5\nbroken{a=\"x} 1\nnovalue\n");

        Assert.Equal(2, samples.Count);
        Assert.Equal("x\"y\\z\n", samples[0].Labels["a"]);
        Assert.Equal("", samples[0].Labels["b"]);
        Assert.True(double.IsNaN(samples[0].Value));
        Assert.Equal(double.PositiveInfinity, samples[1].Value);
        Assert.Equal(5, samples[1].TimestampMs);
    }

    [Fact]
    public void NodeScrape_KeepsContainersWithCpuAndMemory_AndTheNode()
    {
        var scrape = NodeScrape.From(PrometheusText.Parse(KubeletResourceMetrics), DateTimeOffset.UnixEpoch);

        var containers = scrape.Pods[("shop", "web-1")];
        Assert.Equal(["app", "side"], containers.Keys.Order());
        Assert.Equal(12.5, containers["app"].CpuSeconds);
        Assert.Equal(10485760UL, containers["app"].MemoryBytes);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764100010000), containers["app"].Time);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764100000), containers["app"].StartTime);
        Assert.False(scrape.Pods.ContainsKey(("shop", "half")));
        Assert.Equal(1000.5, scrape.Node!.CpuSeconds);
        Assert.Equal(1UL << 30, scrape.Node.MemoryBytes);
    }
}
