using Skiff.ApiServer.Registry.Metrics;

namespace Skiff.ApiServer.Tests.Registry.Metrics;

public sealed class MetricsStorageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Usage_IsTheCpuRateBetweenTwoScrapes_AndTheLatestMemory()
    {
        var storage = new MetricsStorage();
        storage.Store("n1", Scrape(T0, nodeCpu: 100, containerCpu: 10, memory: 1000));
        Assert.Null(storage.Node("n1"));
        Assert.Null(storage.Pod("shop", "web"));

        storage.Store("n1", Scrape(T0.AddSeconds(15), nodeCpu: 115, containerCpu: 13, memory: 2000));

        var node = storage.Node("n1")!;
        Assert.Equal(1_000_000_000, node.NanoCores);
        Assert.Equal(TimeSpan.FromSeconds(15), node.Window);
        Assert.Equal(T0.AddSeconds(15), node.Timestamp);
        var container = Assert.Single(storage.Pod("shop", "web")!);
        Assert.Equal("app", container.Name);
        Assert.Equal(200_000_000, container.Usage.NanoCores);
        Assert.Equal(2000, container.Usage.MemoryBytes);
    }

    [Fact]
    public void SameSampleScrapedAgain_KeepsTheWindow()
    {
        var storage = new MetricsStorage();
        storage.Store("n1", Scrape(T0, 100, 10, 1));
        storage.Store("n1", Scrape(T0.AddSeconds(10), 110, 20, 1));
        storage.Store("n1", Scrape(T0.AddSeconds(10), 110, 20, 1));

        Assert.Equal(1_000_000_000, storage.Pod("shop", "web")![0].Usage.NanoCores);
    }

    [Fact]
    public void RestartedContainerOrCounterReset_HasNoUsageUntilTheNextScrape()
    {
        var storage = new MetricsStorage();
        storage.Store("n1", Scrape(T0, 100, 10, 1));
        storage.Store("n1", Scrape(T0.AddSeconds(10), 110, 2, 1));
        Assert.Null(storage.Pod("shop", "web"));

        storage.Store("n1", Scrape(T0.AddSeconds(20), 120, 7, 1));
        Assert.Equal(500_000_000, storage.Pod("shop", "web")![0].Usage.NanoCores);

        storage.Store("n1", Scrape(T0.AddSeconds(30), 130, 8, 1, started: T0.AddSeconds(25)));
        Assert.Null(storage.Pod("shop", "web"));
    }

    [Fact]
    public void PodWithAContainerMissingItsSecondPoint_IsLeftOut()
    {
        var storage = new MetricsStorage();
        storage.Store("n1", Scrape(T0, 100, 10, 1));
        var second = Scrape(T0.AddSeconds(10), 110, 11, 1);
        var containers = new Dictionary<string, MetricsPoint>(second.Pods[("shop", "web")]) { ["late"] = new(T0.AddSeconds(10), 1, 1) };
        storage.Store("n1", second with { Pods = new Dictionary<(string, string), IReadOnlyDictionary<string, MetricsPoint>> { [("shop", "web")] = containers } });

        Assert.Null(storage.Pod("shop", "web"));
        Assert.NotNull(storage.Node("n1"));
    }

    [Fact]
    public void Retain_ForgetsNodesThatWereNotScraped_AndPodsGoneFromTheScrape()
    {
        var storage = new MetricsStorage();
        storage.Store("n1", Scrape(T0, 100, 10, 1));
        storage.Store("n1", Scrape(T0.AddSeconds(10), 110, 11, 1));
        storage.Store("n2", Scrape(T0, 100, 10, 1));
        storage.Store("n2", Scrape(T0.AddSeconds(10), 110, 11, 1));

        storage.Retain(new HashSet<string> { "n2" });
        storage.Store("n2", new NodeScrape(new MetricsPoint(T0.AddSeconds(20), 120, 1), new Dictionary<(string, string), IReadOnlyDictionary<string, MetricsPoint>>()));

        Assert.Null(storage.Node("n1"));
        Assert.NotNull(storage.Node("n2"));
        Assert.Null(storage.Pod("shop", "web"));
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(2071099L, "2071099n")]
    [InlineData(250_000_000L, "250m")]
    [InlineData(1_500_000L, "1500u")]
    [InlineData(2_000_000_000L, "2")]
    public void Cpu_IsCanonicalDecimal(long nanoCores, string expected) => Assert.Equal(expected, MetricsQuantities.Cpu(nanoCores));

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1536L, "1536")]
    [InlineData(10_485_760L, "10Mi")]
    [InlineData(1_049_600L, "1025Ki")]
    public void Memory_IsCanonicalBinary(long bytes, string expected) => Assert.Equal(expected, Skiff.Api.Printing.QuantityText.BinarySI(bytes));

    [Theory]
    [InlineData(15_000L, "15s")]
    [InlineData(15_002L, "15.002s")]
    [InlineData(60_500L, "1m0.5s")]
    [InlineData(3_723_000L, "1h2m3s")]
    [InlineData(250L, "250ms")]
    public void GoDuration_MatchesGo(long milliseconds, string expected) => Assert.Equal(expected, Skiff.Api.Printing.GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    private static NodeScrape Scrape(DateTimeOffset time, double nodeCpu, double containerCpu, ulong memory, DateTimeOffset? started = null) => new(
        new MetricsPoint(time, nodeCpu, 1 << 20),
        new Dictionary<(string, string), IReadOnlyDictionary<string, MetricsPoint>>
        {
            [("shop", "web")] = new Dictionary<string, MetricsPoint> { ["app"] = new(time, containerCpu, memory, started ?? T0.AddSeconds(-100)) },
        });
}
