using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>Restarting <c>skiff server</c> (and with it the node agent and containerd) adopts the running pods instead of restarting them.</summary>
public sealed class KubeletRestartTests
{
    [Fact]
    public async Task Restarting_the_server_keeps_running_pods_running_with_the_same_containers()
    {
        await using var node = await NodeServer.StartAsync();
        var k = node.Kubectl;
        await k.OkAsync("run", "keeper", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "sleep", "3600");
        await node.EventuallyAsync(async () => await node.PodFieldAsync("keeper", "{.status.phase}") == "Running", "keeper Running");
        var before = await node.PodFieldAsync("keeper", "{.status.containerStatuses[0].containerID}");
        var ipBefore = await node.PodFieldAsync("keeper", "{.status.podIP}");

        await node.RestartAsync();

        // Give the restarted agent time to look at the pod; it must adopt it, not replace it.
        await node.EventuallyAsync(async () => node.Log.Contains("Ready=True", StringComparison.Ordinal), "the node Ready again");
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(before, await node.PodFieldAsync("keeper", "{.status.containerStatuses[0].containerID}"));
        Assert.Equal("0", await node.PodFieldAsync("keeper", "{.status.containerStatuses[0].restartCount}"));
        Assert.Equal("Running", await node.PodFieldAsync("keeper", "{.status.phase}"));
        Assert.Equal(ipBefore, await node.PodFieldAsync("keeper", "{.status.podIP}"));

        // And it still manages it: deleting works after the restart.
        await k.OkAsync("delete", "pod", "keeper", "--timeout=60s");
    }
}
