using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Eviction;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime.Simulated;

namespace Skiff.Kubelet.Tests.Eviction;

/// <summary>Image and container garbage collection under disk pressure, against the simulated CRI runtime.</summary>
public sealed class NodeReclaimerTests
{
    private const string Pause = "skiff.local/pause:3.9";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SimulatedRuntime _runtime;
    private readonly HashSet<string> _live = new(StringComparer.Ordinal);
    private readonly NodeReclaimer _reclaimer;

    public NodeReclaimerTests()
    {
        _runtime = new SimulatedRuntime(new SimulatedRuntimeOptions(), () => "10.42.0.0/24", _time, new Random(1));
        _reclaimer = new NodeReclaimer(_runtime, () => _live, Pause, _time, NullLogger.Instance);
    }

    private async Task<string> RunAsync(string uid, string name, string image, uint attempt = 0)
    {
        var sandboxConfig = new PodSandboxConfig { Metadata = new PodSandboxMetadata { Name = uid, Namespace = "default", Uid = uid }, LogDirectory = "/tmp" };
        sandboxConfig.Labels[KubeletLabels.PodUid] = uid;
        var sandbox = (await _runtime.ListPodSandboxesAsync(null, CancellationToken.None)).FirstOrDefault(s => s.Labels.GetValueOrDefault(KubeletLabels.PodUid) == uid)?.Id
            ?? await _runtime.RunPodSandboxAsync(sandboxConfig, CancellationToken.None);
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = name, Attempt = attempt }, Image = new ImageSpec { Image = image }, LogPath = name + ".log" };
        config.Labels[KubeletLabels.PodUid] = uid;
        config.Labels[KubeletLabels.ContainerName] = name;
        var id = await _runtime.CreateContainerAsync(sandbox, config, sandboxConfig, CancellationToken.None);
        await _runtime.StartContainerAsync(id, CancellationToken.None);
        return id;
    }

    private async Task<List<string>> ImagesAsync() =>
        [.. (await _runtime.ListImagesAsync(CancellationToken.None)).SelectMany(i => i.RepoTags).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task DeleteUnusedImages_RemovesOnlyImagesNoContainerUses_OnceKnownForTheMinimumAge()
    {
        foreach (var image in new[] { "busybox:1", "nginx:1", Pause })
        {
            await _runtime.PullImageAsync(image, null, null, CancellationToken.None);
        }

        await RunAsync("uid-1", "app", "busybox:1");

        await _reclaimer.DeleteUnusedImagesAsync(CancellationToken.None);
        Assert.Equal(["busybox:1", "nginx:1", Pause], await ImagesAsync());

        _time.Advance(NodeReclaimer.MinimumImageAge);
        await _reclaimer.DeleteUnusedImagesAsync(CancellationToken.None);
        Assert.Equal(["busybox:1", Pause], await ImagesAsync());
    }

    [Fact]
    public async Task DeleteUnusedContainers_RemovesDeadContainersOfGonePods_AndKeepsTwoPerContainerOfLivePods()
    {
        _live.Add("live");
        var oldest = await RunAsync("live", "app", "busybox:1", attempt: 0);
        var previous = await RunAsync("live", "app", "busybox:1", attempt: 1);
        var latest = await RunAsync("live", "app", "busybox:1", attempt: 2);
        var gone = await RunAsync("gone", "app", "busybox:1");
        var goneRunning = await RunAsync("gone", "side", "busybox:1");
        foreach (var id in new[] { oldest, previous, gone })
        {
            await _runtime.StopContainerAsync(id, 0, CancellationToken.None);
        }

        await _reclaimer.DeleteUnusedContainersAsync(CancellationToken.None);

        var left = (await _runtime.ListContainersAsync(null, CancellationToken.None)).Select(c => c.Id).ToHashSet();
        Assert.Equal(new HashSet<string> { previous, latest, goneRunning }, left);
    }
}
