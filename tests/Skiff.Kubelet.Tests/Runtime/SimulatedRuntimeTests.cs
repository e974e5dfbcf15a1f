using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Runtime.Simulated;

namespace Skiff.Kubelet.Tests.Runtime;

public sealed class SimulatedRuntimeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private string? _cidr = "10.42.7.0/24";

    private SimulatedRuntime Runtime(TimeSpan startDelay = default, double failureRate = 0, int seed = 1) =>
        new(new SimulatedRuntimeOptions { StartDelay = startDelay, FailureRate = failureRate }, () => _cidr, _time, new Random(seed));

    private static PodSandboxConfig Sandbox(string uid)
    {
        var config = new PodSandboxConfig { Metadata = new PodSandboxMetadata { Name = "p-" + uid, Namespace = "default", Uid = uid }, LogDirectory = "/tmp/logs/" + uid };
        config.Labels[KubeletLabels.PodUid] = uid;
        return config;
    }

    private static ContainerConfig Container(string uid, string name = "c", uint attempt = 0)
    {
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = name, Attempt = attempt }, Image = new ImageSpec { Image = "example/app:1" }, LogPath = name + "/0.log" };
        config.Labels[KubeletLabels.PodUid] = uid;
        return config;
    }

    [Fact]
    public async Task RunPodSandbox_AddressesFromThePodCidr_FreedWhenStopped()
    {
        var runtime = Runtime();
        var a = await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        var b = await runtime.RunPodSandboxAsync(Sandbox("b"), default);

        Assert.Equal("10.42.7.2", (await runtime.PodSandboxStatusAsync(a, default))!.Network.Ip);
        Assert.Equal("10.42.7.3", (await runtime.PodSandboxStatusAsync(b, default))!.Network.Ip);

        await runtime.StopPodSandboxAsync(a, default);
        Assert.Equal(PodSandboxState.SandboxNotready, (await runtime.PodSandboxStatusAsync(a, default))!.State);
        var c = await runtime.RunPodSandboxAsync(Sandbox("c"), default);
        Assert.Equal("10.42.7.2", (await runtime.PodSandboxStatusAsync(c, default))!.Network.Ip);
    }

    [Fact]
    public async Task RunPodSandbox_NoPodCidr_NetworkNotReadyError()
    {
        _cidr = null;
        var ex = await Assert.ThrowsAsync<RuntimeException>(() => Runtime().RunPodSandboxAsync(Sandbox("a"), default));
        Assert.Contains("no pod CIDR", ex.Message);
    }

    [Fact]
    public async Task RunPodSandbox_CidrFull_Error()
    {
        _cidr = "10.42.7.0/30";
        var runtime = Runtime();
        await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        var ex = await Assert.ThrowsAsync<RuntimeException>(() => runtime.RunPodSandboxAsync(Sandbox("b"), default));
        Assert.Contains("no free address", ex.Message);
    }

    [Fact]
    public async Task Container_RunsAfterStartDelay_UntilStopped()
    {
        var runtime = Runtime(TimeSpan.FromSeconds(2));
        var sandbox = await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        var id = await runtime.CreateContainerAsync(sandbox, Container("a"), Sandbox("a"), default);
        Assert.Equal(ContainerState.ContainerCreated, (await runtime.ContainerStatusAsync(id, default))!.State);

        var start = runtime.StartContainerAsync(id, default);
        Assert.False(start.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        await start;

        var status = (await runtime.ContainerStatusAsync(id, default))!;
        Assert.Equal(ContainerState.ContainerRunning, status.State);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000, status.StartedAt);
        Assert.Equal("/tmp/logs/a/c/0.log", status.LogPath);
        Assert.Equal(0, (await runtime.ExecSyncAsync(id, ["cat", "/ready"], TimeSpan.FromSeconds(1), default)).ExitCode);

        await runtime.StopContainerAsync(id, 30, default);
        status = (await runtime.ContainerStatusAsync(id, default))!;
        Assert.Equal((ContainerState.ContainerExited, 143), (status.State, status.ExitCode));
        await Assert.ThrowsAsync<RuntimeException>(() => runtime.ExecSyncAsync(id, ["true"], TimeSpan.FromSeconds(1), default));
    }

    [Fact]
    public async Task StartContainer_FailureRateOne_ExitsWithCode1()
    {
        var runtime = Runtime(failureRate: 1);
        var sandbox = await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        var id = await runtime.CreateContainerAsync(sandbox, Container("a"), Sandbox("a"), default);
        await runtime.StartContainerAsync(id, default);

        var status = (await runtime.ContainerStatusAsync(id, default))!;
        Assert.Equal((ContainerState.ContainerExited, 1, "Error"), (status.State, status.ExitCode, status.Reason));
    }

    [Fact]
    public async Task StartContainer_FailureRate_RoughlyThatShareFails()
    {
        var runtime = Runtime(failureRate: 0.25, seed: 42);
        var sandbox = await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        var failed = 0;
        for (var i = 0; i < 400; i++)
        {
            var id = await runtime.CreateContainerAsync(sandbox, Container("a", "c" + i), Sandbox("a"), default);
            await runtime.StartContainerAsync(id, default);
            failed += (await runtime.ContainerStatusAsync(id, default))!.State == ContainerState.ContainerExited ? 1 : 0;
        }

        Assert.InRange(failed, 60, 140);
    }

    [Fact]
    public async Task Lists_FilterByLabelsAndState_RemoveSandboxRemovesItsContainers()
    {
        var runtime = Runtime();
        var a = await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        var b = await runtime.RunPodSandboxAsync(Sandbox("b"), default);
        var ca = await runtime.CreateContainerAsync(a, Container("a"), Sandbox("a"), default);
        await runtime.StartContainerAsync(ca, default);
        await runtime.CreateContainerAsync(b, Container("b"), Sandbox("b"), default);

        var byPod = new ContainerFilter();
        byPod.LabelSelector[KubeletLabels.PodUid] = "a";
        Assert.Equal([ca], (await runtime.ListContainersAsync(byPod, default)).Select(c => c.Id));
        var running = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        Assert.Equal([ca], (await runtime.ListContainersAsync(running, default)).Select(c => c.Id));
        var sandboxFilter = new PodSandboxFilter();
        sandboxFilter.LabelSelector[KubeletLabels.PodUid] = "b";
        Assert.Equal([b], (await runtime.ListPodSandboxesAsync(sandboxFilter, default)).Select(s => s.Id));

        await runtime.StopPodSandboxAsync(a, default);
        await runtime.RemovePodSandboxAsync(a, default);
        Assert.Null(await runtime.PodSandboxStatusAsync(a, default));
        Assert.Null(await runtime.ContainerStatusAsync(ca, default));
        Assert.Equal(1, runtime.ContainerCount);
    }

    [Fact]
    public async Task CreateContainer_InStoppedSandbox_Fails()
    {
        var runtime = Runtime();
        var a = await runtime.RunPodSandboxAsync(Sandbox("a"), default);
        await runtime.StopPodSandboxAsync(a, default);
        await Assert.ThrowsAsync<RuntimeException>(() => runtime.CreateContainerAsync(a, Container("a"), Sandbox("a"), default));
    }

    [Fact]
    public async Task Images_AlwaysPresent_AndListed()
    {
        var runtime = Runtime();
        var image = await runtime.ImageStatusAsync("registry.example/app:2", default);
        Assert.NotNull(image);
        Assert.StartsWith("sha256:", image.Id);
        Assert.Equal(image.Id, await runtime.PullImageAsync("registry.example/app:2", null, null, default));
        Assert.Contains(await runtime.ListImagesAsync(default), i => i.RepoTags.Contains("registry.example/app:2"));
        Assert.Equal("skiff-sim", (await runtime.VersionAsync(default)).RuntimeName);
        Assert.All((await runtime.StatusAsync(default)).Status.Conditions, c => Assert.True(c.Status));
    }

    [Fact]
    public void Options_FailureRateOutOfRange_Rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Runtime(failureRate: 1.5));
}
