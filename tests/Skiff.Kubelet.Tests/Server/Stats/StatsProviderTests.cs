using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Server.Stats;

namespace Skiff.Kubelet.Tests.Server.Stats;

public sealed class StatsProviderTests : IDisposable
{
    private const string PodCgroup = "/skiff/burstable/poduid-1";
    private readonly CgroupFixture _fs = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly StatsProvider _stats;

    public StatsProviderTests()
    {
        _fs.Write("proc/stat", "cpu  100 0 100 500 0 0 0 0 0 0\nbtime 1764100000\n")
            .Write("proc/meminfo", "MemTotal: 1000 kB\nMemFree: 400 kB\nInactive(file): 100 kB\nAnonPages: 50 kB\n")
            .Write("proc/vmstat", "pgfault 1\npgmajfault 0\n")
            .V1(PodCgroup, cpuNs: 5_000_000_000, usage: 20 << 20, inactiveFile: 4 << 20)
            .V1(PodCgroup + "/cid-app", cpuNs: 4_000_000_000, usage: 16 << 20, inactiveFile: 2 << 20);
        var sandbox = new PodSandbox
        {
            Id = "sid",
            State = PodSandboxState.SandboxReady,
            CreatedAt = 1_764_100_100L * 1_000_000_000,
            Metadata = new PodSandboxMetadata { Name = "web", Namespace = "shop", Uid = "uid-1" },
        };
        sandbox.Labels[KubeletLabels.PodUid] = "uid-1";
        var orphan = new PodSandbox { Id = "gone", State = PodSandboxState.SandboxReady, Metadata = new PodSandboxMetadata { Name = "old", Namespace = "shop", Uid = "uid-2" } };
        orphan.Labels[KubeletLabels.PodUid] = "uid-2";
        var container = new Container
        {
            Id = "cid-app",
            PodSandboxId = "sid",
            State = ContainerState.ContainerRunning,
            CreatedAt = 1_764_100_200L * 1_000_000_000,
            Metadata = new ContainerMetadata { Name = "app" },
        };
        _stats = new StatsProvider(new ListOnlyRuntime([sandbox, orphan], [container]), new CgroupReader(_fs.Root), "/skiff", "node-a", _fs.Root, _time, Path.Combine(_fs.Root, "proc"));
    }

    [Fact]
    public async Task CollectAsync_ReadsNodeAndPodCgroups_AndRatesFromThePreviousCollection()
    {
        var first = await _stats.CollectAsync(CancellationToken.None);

        Assert.Equal("node-a", first.Node.NodeName);
        Assert.Equal(200UL * 10_000_000, first.Node.Cpu!.UsageCoreNanoSeconds);
        Assert.Null(first.Node.Cpu.UsageNanoCores);
        var pod = Assert.Single(first.Pods);
        Assert.Equal(("web", "shop", "uid-1"), (pod.Name, pod.Namespace, pod.Uid));
        Assert.Equal(16UL << 20, pod.Memory!.WorkingSetBytes);
        var app = Assert.Single(pod.Containers);
        Assert.Equal("app", app.Name);
        Assert.Equal(14UL << 20, app.Memory!.WorkingSetBytes);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_764_100_200), app.StartTime);

        // Two seconds later the container used one more CPU-second: half a core.
        _time.Advance(TimeSpan.FromSeconds(2));
        _fs.V1(PodCgroup + "/cid-app", cpuNs: 5_000_000_000, usage: 16 << 20, inactiveFile: 2 << 20);
        _fs.Write("proc/stat", "cpu  200 0 200 500 0 0 0 0 0 0\nbtime 1764100000\n");
        var second = await _stats.CollectAsync(CancellationToken.None);

        Assert.Equal(500_000_000UL, second.Pods[0].Containers[0].Cpu!.UsageNanoCores);
        Assert.Equal(0UL, second.Pods[0].Cpu!.UsageNanoCores);
        Assert.Equal(1_000_000_000UL, second.Node.Cpu!.UsageNanoCores);
    }

    [Fact]
    public async Task CollectAsync_TooSoonAfterThePrevious_KeepsTheOlderSampleForRates()
    {
        await _stats.CollectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await _stats.CollectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        _fs.V1(PodCgroup + "/cid-app", cpuNs: 6_000_000_000, usage: 16 << 20, inactiveFile: 2 << 20);

        var third = await _stats.CollectAsync(CancellationToken.None);

        // Measured against the first sample (2 s earlier), not the second (1.5 s): 2 CPU-seconds in 2 s.
        Assert.Equal(1_000_000_000UL, third.Pods[0].Containers[0].Cpu!.UsageNanoCores);
    }

    [Fact]
    public async Task SummaryJson_HasTheSummaryApiShape()
    {
        await _stats.CollectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        using var doc = JsonDocument.Parse(SummaryJson.Serialize(await _stats.CollectAsync(CancellationToken.None)));
        var root = doc.RootElement;

        Assert.Equal("node-a", root.GetProperty("node").GetProperty("nodeName").GetString());
        Assert.Equal(0UL, root.GetProperty("node").GetProperty("cpu").GetProperty("usageNanoCores").GetUInt64());
        Assert.Equal(600UL * 1024, root.GetProperty("node").GetProperty("memory").GetProperty("usageBytes").GetUInt64());
        Assert.Equal(500UL * 1024, root.GetProperty("node").GetProperty("memory").GetProperty("availableBytes").GetUInt64());
        Assert.True(root.GetProperty("node").GetProperty("fs").GetProperty("capacityBytes").GetUInt64() > 0);
        var pod = root.GetProperty("pods")[0];
        Assert.Equal("shop", pod.GetProperty("podRef").GetProperty("namespace").GetString());
        Assert.Equal("uid-1", pod.GetProperty("podRef").GetProperty("uid").GetString());
        Assert.Equal("2026-01-02T03:04:15Z", pod.GetProperty("cpu").GetProperty("time").GetString());
        Assert.Equal(4_000_000_000UL, pod.GetProperty("containers")[0].GetProperty("cpu").GetProperty("usageCoreNanoSeconds").GetUInt64());
        Assert.Equal(14UL << 20, pod.GetProperty("containers")[0].GetProperty("memory").GetProperty("workingSetBytes").GetUInt64());
    }

    [Fact]
    public async Task ResourceMetricsText_HasKubeletsNamesLabelsAndMillisecondTimestamps()
    {
        var text = ResourceMetricsText.Write(await _stats.CollectAsync(CancellationToken.None));
        var ms = _time.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.Contains("# TYPE container_cpu_usage_seconds_total counter\n", text);
        Assert.Contains($"container_cpu_usage_seconds_total{{container=\"app\",namespace=\"shop\",pod=\"web\"}} 4 {ms}\n", text);
        Assert.Contains($"container_memory_working_set_bytes{{container=\"app\",namespace=\"shop\",pod=\"web\"}} {14 << 20} {ms}\n", text);
        Assert.Contains($"pod_cpu_usage_seconds_total{{namespace=\"shop\",pod=\"web\"}} 5 {ms}\n", text);
        Assert.Contains($"node_cpu_usage_seconds_total 2 {ms}\n", text);
        Assert.Contains($"node_memory_working_set_bytes {500 * 1024} {ms}\n", text);
        Assert.Contains("container_start_time_seconds{container=\"app\",namespace=\"shop\",pod=\"web\"} 1764100200 ", text);
        Assert.EndsWith("resource_scrape_error 0\n", text);
    }

    [Fact]
    public void UsageNanoCores_CounterWentBack_IsNull()
    {
        var previous = new CpuSample(DateTimeOffset.UnixEpoch, 1000);

        Assert.Null(StatsProvider.UsageNanoCores(previous, DateTimeOffset.UnixEpoch.AddSeconds(1), 10));
        Assert.Null(StatsProvider.UsageNanoCores(null, DateTimeOffset.UnixEpoch.AddSeconds(1), 10));
        Assert.Equal(990UL, StatsProvider.UsageNanoCores(previous, DateTimeOffset.UnixEpoch.AddSeconds(1), 1990));
    }

    public void Dispose() => _fs.Dispose();

    /// <summary>A runtime that only lists the given sandboxes and containers (filtered by state as the CRI does).</summary>
    private sealed class ListOnlyRuntime(IReadOnlyList<PodSandbox> sandboxes, IReadOnlyList<Container> containers) : IContainerRuntime
    {
        public Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(PodSandboxFilter? filter, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PodSandbox>>(sandboxes.Where(s => filter?.State is null || s.State == filter.State.State).ToList());

        public Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Container>>(containers.Where(c => filter?.State is null || c.State == filter.State.State).ToList());

        public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StatusResponse> StatusAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task StopPodSandboxAsync(string sandboxId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemovePodSandboxAsync(string sandboxId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PodSandboxStatus?> PodSandboxStatusAsync(string sandboxId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task StartContainerAsync(string containerId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ExecSyncResponse> ExecSyncAsync(string containerId, IEnumerable<string> command, TimeSpan timeout, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> PullImageAsync(string image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveImageAsync(string image, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> ExecAsync(ExecRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> AttachAsync(AttachRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> PortForwardAsync(PortForwardRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
