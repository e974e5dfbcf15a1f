using System.Text.Json;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Node-pressure eviction with real containerd: the node's data directory (so nodefs and imagefs) is a 256M tmpfs
/// this test mounts, with <c>--eviction-hard nodefs.available&lt;40%</c>. A pod filling an emptyDir past the threshold
/// puts the node under DiskPressure (condition and taint, as kubectl shows them), is evicted (Failed, reason Evicted with
/// kubelet's message in describe, the Evicted event, DisruptionTarget) while a quiet pod keeps running; its space is given back, and after the
/// transition period the condition is False again and the taint is gone. Meanwhile a pod bound straight to the node is
/// rejected by the kubelet's admission (STATUS Evicted) and a pod for the scheduler waits for the taint to go.
/// </summary>
public sealed class NodePressureEvictionTests
{
    private const string Size = "256m";

    [Fact]
    public async Task A_pod_filling_the_disk_is_evicted_and_the_node_reports_then_clears_DiskPressure()
    {
        string? tmpfs = null;
        try
        {
            await using var node = await NodeServer.StartAsync(
                prepareNetns: async netns =>
                {
                    // NodeServer names the namespace skt<id> and the data directory /tmp/skn-<id>: mount the tmpfs there before the server starts.
                    tmpfs = Path.Combine("/tmp", "skn-" + netns[3..]);
                    await HostCommand.RunAsync(["mount", "-t", "tmpfs", "-o", "size=" + Size, "tmpfs", tmpfs], check: true, TimeSpan.FromSeconds(30));
                },
                extraArgs:
                [
                    "--eviction-hard", "nodefs.available<40%",
                    "--eviction-pressure-transition-period", "45s",
                    "--eviction-monitoring-interval", "2s",
                ]);
            var k = node.Kubectl;
            var nodeName = NodeServer.NodeName;

            Assert.Equal("False", await Condition(node, "DiskPressure"));
            Assert.Equal("KubeletHasNoDiskPressure", await NodeField(node, "{.status.conditions[?(@.type==\"DiskPressure\")].reason}"));

            await k.OkAsync("run", "quiet", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "sleep", "3600");
            await node.EventuallyAsync(async () => await node.PodFieldAsync("quiet", "{.status.phase}") == "Running", "quiet Running");

            // Write enough to leave 20M less than the threshold: capacity × 40% must stay available.
            var fs = new DriveInfo(tmpfs!);
            var fillMiB = (fs.AvailableFreeSpace - (long)(fs.TotalSize * 0.4)) / (1024 * 1024) + 20;
            Assert.True(fs.AvailableFreeSpace / (1024 * 1024) - fillMiB > 30, $"the tmpfs has room to fill {fillMiB}M and still be writable ({fs.AvailableFreeSpace} available)");
            var manifest = $$"""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: filler
                spec:
                  terminationGracePeriodSeconds: 30
                  containers:
                  - name: filler
                    image: {{NodeServer.TestImage}}
                    imagePullPolicy: IfNotPresent
                    command: [sh, -c, "dd if=/dev/zero of=/data/fill bs=1M count={{fillMiB}}; echo filled; exec sleep 3600"]
                    volumeMounts:
                    - name: data
                      mountPath: /data
                  volumes:
                  - name: data
                    emptyDir: {}
                """;
            await k.OkWithInputAsync(manifest, "apply", "-f", "-");

            // The node reports DiskPressure and the node lifecycle controller taints it.
            await node.EventuallyAsync(async () => await Condition(node, "DiskPressure") == "True", "DiskPressure True", 120);
            var reason = await NodeField(node, "{.status.conditions[?(@.type==\"DiskPressure\")].reason}");
            Assert.Equal("KubeletHasDiskPressure", reason);

            // A pod bound straight to the node (no scheduler) is refused by the kubelet's admission while the pressure lasts.
            await k.OkWithInputAsync(Sleeper("bound", $"nodeName: {nodeName}"), "apply", "-f", "-");

            await node.EventuallyAsync(async () => (await NodeField(node, "{.spec.taints[*].key}")).Contains("node.kubernetes.io/disk-pressure", StringComparison.Ordinal), "the disk-pressure taint", 60);
            Assert.Contains("node.kubernetes.io/disk-pressure:NoSchedule", await k.OkAsync("describe", "node", nodeName));

            // A pod for the scheduler stays Pending on the tainted node.
            await k.OkWithInputAsync(Sleeper("waiting", ""), "apply", "-f", "-");
            await node.EventuallyAsync(async () => (await k.RunAsync("describe", "pod", "waiting")).Stdout.Contains("node.kubernetes.io/disk-pressure", StringComparison.Ordinal), "waiting: FailedScheduling naming the taint", 60);
            Assert.Equal("Pending", await node.PodFieldAsync("waiting", "{.status.phase}"));

            await node.EventuallyAsync(async () => await node.PodFieldAsync("bound", "{.status.phase}") == "Failed", "bound rejected", 60);
            Assert.Equal("Evicted", await node.PodFieldAsync("bound", "{.status.reason}"));
            Assert.Equal("Pod was rejected: The node had condition: [DiskPressure].", await node.PodFieldAsync("bound", "{.status.message}"));
            Assert.Equal(["bound", "0/1", "Evicted"], (await k.OkAsync("get", "pod", "bound", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3]);

            // The filler is evicted: Failed with reason Evicted and kubelet's message. Since Kubernetes 1.22 the kubelet also
            // reports the killed container's terminated state, so kubectl get's STATUS column shows that (Error), not Evicted.
            await node.EventuallyAsync(async () => await node.PodFieldAsync("filler", "{.status.phase}") == "Failed", "filler Failed", 120);
            Assert.Equal("Evicted", await node.PodFieldAsync("filler", "{.status.reason}"));
            var row = (await k.OkAsync("get", "pod", "filler", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["filler", "0/1", "Error"], row[..3]);
            // (kubectl's jsonpath output is trimmed here: kubelet's message ends with a space.)
            var message = await node.PodFieldAsync("filler", "{.status.message}");
            Assert.Matches(@"^The node was low on resource: ephemeral-storage\. Threshold quantity: \d+(Ki|Mi)?, available: \d+(Ki|Mi)?\. ", message);
            Assert.Equal("True/TerminationByKubelet", await node.PodFieldAsync("filler", "{.status.conditions[?(@.type==\"DisruptionTarget\")].status}/{.status.conditions[?(@.type==\"DisruptionTarget\")].reason}"));
            var describe = await k.OkAsync("describe", "pod", "filler");
            Assert.Matches(@"Status:\s+Failed\s+Reason:\s+Evicted\s+Message:\s+The node was low on resource: ephemeral-storage\.", describe);

            // The Evicted event carries the same message; the quiet pod was not evicted (one pod per interval, ranked by usage).
            await node.EventuallyAsync(async () =>
            {
                var events = JsonDocument.Parse(await k.OkAsync("get", "events", "-o", "json", "--field-selector", "involvedObject.name=filler"));
                return events.RootElement.GetProperty("items").EnumerateArray().Any(e =>
                    e.GetProperty("reason").GetString() == "Evicted" && e.GetProperty("type").GetString() == "Warning" && e.GetProperty("message").GetString()?.TrimEnd() == message);
            }, "the Evicted event", 60);
            Assert.Equal("Running", await node.PodFieldAsync("quiet", "{.status.phase}"));

            // Its emptyDir was torn down, so the space is back: after the transition period the condition is False and the taint goes.
            await node.EventuallyAsync(async () => await Condition(node, "DiskPressure") == "False", "DiskPressure False again", 150);
            Assert.Equal("KubeletHasNoDiskPressure", await NodeField(node, "{.status.conditions[?(@.type==\"DiskPressure\")].reason}"));
            await node.EventuallyAsync(async () => !(await NodeField(node, "{.spec.taints[*].key}")).Contains("node.kubernetes.io/disk-pressure", StringComparison.Ordinal), "the disk-pressure taint removed", 60);
            Assert.Equal("Running", await node.PodFieldAsync("quiet", "{.status.phase}"));
            Assert.Contains("NodeHasDiskPressure", await k.OkAsync("get", "events", "--field-selector", "involvedObject.kind=Node"));

            // Without the taint the waiting pod is scheduled and runs.
            await node.EventuallyAsync(async () => await node.PodFieldAsync("waiting", "{.status.phase}") == "Running", "waiting Running once the taint is gone", 120);
        }
        finally
        {
            if (tmpfs is not null)
            {
                await HostCommand.RunAsync(["umount", "-l", tmpfs], check: false, TimeSpan.FromSeconds(30));
                try
                {
                    Directory.Delete(tmpfs, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    [Fact]
    public async Task A_pod_writing_past_its_ephemeral_storage_limit_in_its_own_filesystem_is_evicted()
    {
        await using var node = await NodeServer.StartAsync(extraArgs: ["--eviction-monitoring-interval", "2s"]);
        var k = node.Kubectl;
        const string manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: hog
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: hog
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: [sh, -c, "dd if=/dev/zero of=/var/hog bs=1M count=12; exec sleep 3600"]
                resources:
                  limits:
                    ephemeral-storage: 5Mi
            """;
        await k.OkWithInputAsync(manifest, "apply", "-f", "-");

        // The write lands in the container's writable layer, which containerd measures (CRI ListContainerStats).
        await node.EventuallyAsync(async () => await node.PodFieldAsync("hog", "{.status.phase}") == "Failed", "hog evicted", 120);
        Assert.Equal("Evicted", await node.PodFieldAsync("hog", "{.status.reason}"));
        Assert.Equal("Pod ephemeral local storage usage exceeds the total limit of containers 5Mi.", await node.PodFieldAsync("hog", "{.status.message}"));

        // A limit eviction is not a node-pressure one: no DisruptionTarget condition, and the node has no DiskPressure.
        Assert.Equal("", await node.PodFieldAsync("hog", "{.status.conditions[?(@.type==\"DisruptionTarget\")].status}"));
        Assert.Equal("False", await Condition(node, "DiskPressure"));
    }

    [Fact]
    public async Task Under_memory_pressure_BestEffort_pods_are_refused_and_running_pods_are_evicted_by_memory()
    {
        // A threshold no running machine meets (99.9% of memory must stay available) makes MemoryPressure certain without
        // using any memory; it leaves 0.1% allocatable, enough for the Burstable pod's request.
        await using var node = await NodeServer.StartAsync(extraArgs: ["--eviction-hard", "memory.available<99.9%", "--eviction-monitoring-interval", "2s"]);
        var k = node.Kubectl;
        await node.EventuallyAsync(async () => await Condition(node, "MemoryPressure") == "True", "MemoryPressure True", 60);
        Assert.Equal("KubeletHasInsufficientMemory", await NodeField(node, "{.status.conditions[?(@.type==\"MemoryPressure\")].reason}"));
        Assert.Equal("kubelet has insufficient memory available", await NodeField(node, "{.status.conditions[?(@.type==\"MemoryPressure\")].message}"));
        Assert.Equal("False", await Condition(node, "DiskPressure"));
        await node.EventuallyAsync(async () => (await NodeField(node, "{.spec.taints[*].key}")).Contains("node.kubernetes.io/memory-pressure", StringComparison.Ordinal), "the memory-pressure taint", 60);

        // A BestEffort pod bound to the node is refused by the kubelet.
        await k.OkWithInputAsync(Sleeper("besteffort", $"nodeName: {NodeServer.NodeName}"), "apply", "-f", "-");
        await node.EventuallyAsync(async () => await node.PodFieldAsync("besteffort", "{.status.phase}") == "Failed", "besteffort rejected", 60);
        Assert.Equal("Pod was rejected: The node had condition: [MemoryPressure].", await node.PodFieldAsync("besteffort", "{.status.message}"));

        // A Burstable pod that tolerates the taint is admitted, then evicted for memory with kubelet's message.
        const string burstable = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: burstable
            spec:
              terminationGracePeriodSeconds: 1
              tolerations:
              - key: node.kubernetes.io/memory-pressure
                operator: Exists
                effect: NoSchedule
              containers:
              - name: main
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: [sleep, "3600"]
                resources:
                  requests:
                    memory: 1Ki
            """;
        await k.OkWithInputAsync(burstable, "apply", "-f", "-");
        await node.EventuallyAsync(async () => await node.PodFieldAsync("burstable", "{.status.reason}") == "Evicted", "burstable evicted", 90);
        Assert.Equal("Failed", await node.PodFieldAsync("burstable", "{.status.phase}"));
        Assert.Matches(@"^The node was low on resource: memory\. Threshold quantity: \d+(Ki|Mi|Gi)?, available: \d+(Ki|Mi|Gi)?\.", await node.PodFieldAsync("burstable", "{.status.message}"));
        Assert.Equal("True/TerminationByKubelet", await node.PodFieldAsync("burstable", "{.status.conditions[?(@.type==\"DisruptionTarget\")].status}/{.status.conditions[?(@.type==\"DisruptionTarget\")].reason}"));
    }

    [Fact]
    public async Task Under_PID_pressure_the_node_reports_PIDPressure_is_tainted_and_refuses_new_pods()
    {
        // pid.available must stay above 99.99% of min(pid_max, threads-max): any running machine has more tasks than that allows.
        await using var node = await NodeServer.StartAsync(extraArgs: ["--eviction-hard", "pid.available<99.99%", "--eviction-monitoring-interval", "2s"]);
        await node.EventuallyAsync(async () => await Condition(node, "PIDPressure") == "True", "PIDPressure True", 60);
        Assert.Equal("KubeletHasInsufficientPID/kubelet has insufficient PID available",
            await NodeField(node, "{.status.conditions[?(@.type==\"PIDPressure\")].reason}/{.status.conditions[?(@.type==\"PIDPressure\")].message}"));
        Assert.Equal("False/False", await NodeField(node, "{.status.conditions[?(@.type==\"MemoryPressure\")].status}/{.status.conditions[?(@.type==\"DiskPressure\")].status}"));
        await node.EventuallyAsync(async () => (await NodeField(node, "{.spec.taints[*].key}")).Contains("node.kubernetes.io/pid-pressure", StringComparison.Ordinal), "the pid-pressure taint", 60);

        await node.Kubectl.OkWithInputAsync(Sleeper("refused", $"nodeName: {NodeServer.NodeName}"), "apply", "-f", "-");
        await node.EventuallyAsync(async () => await node.PodFieldAsync("refused", "{.status.phase}") == "Failed", "refused rejected", 60);
        Assert.Equal("Evicted: Pod was rejected: The node had condition: [PIDPressure].", await node.PodFieldAsync("refused", "{.status.reason}: {.status.message}"));
    }

    private static string Sleeper(string name, string extraSpec) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          {{extraSpec}}
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: {{NodeServer.TestImage}}
            imagePullPolicy: IfNotPresent
            command: [sleep, "3600"]
        """;

    private static Task<string> Condition(NodeServer node, string type) => NodeField(node, $"{{.status.conditions[?(@.type==\"{type}\")].status}}");

    private static async Task<string> NodeField(NodeServer node, string jsonpath) =>
        (await node.Kubectl.RunAsync("get", "node", NodeServer.NodeName, "-o", "jsonpath=" + jsonpath)).Stdout.Trim();
}
