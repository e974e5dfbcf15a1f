using Skiff.Controllers.PodAutoscaler;

namespace Skiff.Controllers.Tests.PodAutoscaler;

public sealed class ResourceMetricsApiSourceTests
{
    private const string List = """
        {"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","items":[
          {"metadata":{"name":"a","namespace":"ns"},"timestamp":"2026-01-01T00:00:00Z","window":"30s",
           "containers":[{"name":"c","usage":{"cpu":"250m","memory":"64Mi"}},{"name":"side","usage":{"cpu":"1","memory":"1Mi"}}]},
          {"metadata":{"name":"b","namespace":"ns"},"timestamp":"2026-01-01T00:00:00Z","window":"1m0s",
           "containers":[{"name":"c","usage":{"memory":"1Mi"}}]}]}
        """;

    [Fact]
    public void Parse_SumsContainers_InMilliUnits_SkipsPodsWithoutTheResource()
    {
        var metrics = ResourceMetricsApiSource.Parse(List, "cpu", null);
        Assert.Equal(["a"], metrics.Keys);
        Assert.Equal(1250, metrics["a"].MilliValue);
        Assert.Equal(TimeSpan.FromSeconds(30), metrics["a"].Window);
    }

    [Fact]
    public void Parse_OneContainer()
    {
        var metrics = ResourceMetricsApiSource.Parse(List, "memory", "c");
        Assert.Equal(64L * 1024 * 1024 * 1000, metrics["a"].MilliValue);
        Assert.Equal(TimeSpan.FromMinutes(1), metrics["b"].Window);
    }

    [Fact]
    public void Parse_EmptyList_NoMetricsReturned()
    {
        var e = Assert.Throws<MetricsUnavailableException>(() => ResourceMetricsApiSource.Parse("""{"items":[]}""", "cpu", null));
        Assert.Equal("no metrics returned from resource metrics API", e.Message);
    }
}
