using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Eviction;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Runtime.Simulated;
using Skiff.Kubelet.Server.Stats;

namespace Skiff.Kubelet.Tests.Eviction;

/// <summary>The node's signals from fixture /proc and cgroup trees, and a pod's local storage from its real directories.</summary>
public sealed class NodeEvictionStatsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("skiff-eviction-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Collect_ComputesSignalsAsKubeletDoes_AndPodStorageFromLogsAndEmptyDirs()
    {
        // 8 GiB of memory; the root memory cgroup uses 3 GiB of which 1 GiB is inactive file pages: working set 2 GiB.
        Write("proc/meminfo", "MemTotal:        8388608 kB\nMemFree:         1048576 kB\nInactive(file):   524288 kB\n");
        Write("proc/vmstat", "pgfault 1\npgmajfault 0\n");
        Write("proc/loadavg", "0.10 0.20 0.30 2/350 12345\n");
        Write("proc/sys/kernel/pid_max", "32768\n");
        Write("proc/sys/kernel/threads-max", "192731\n");
        Write("cgroup/memory/memory.usage_in_bytes", (3L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write("cgroup/memory/memory.stat", $"total_inactive_file {1L << 30}\ntotal_rss 0\n");
        Write("cgroup/pids/skiff-t/besteffort/poduid-1/pids.current", "7\n");

        var paths = new AgentPaths(Path.Combine(_root, "data"));
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1" },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "app" }],
                Volumes =
                [
                    new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
                    new V1Volume { Name = "ram", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
                ],
            },
        };
        Write(Path.Combine(Skiff.Kubelet.Pods.RuntimeConfigBuilder.LogDirectory(paths.PodLogs, pod), "app", "0.log"), new string('x', 3000));
        Write(Path.Combine(paths.PodsData, "uid-1", "volumes", "kubernetes.io~empty-dir", "scratch", "a", "data.bin"), new string('y', 5000));

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var runtime = new SimulatedRuntime(new SimulatedRuntimeOptions(), () => null, time, new Random(1));
        var cgroups = new CgroupReader(Path.Combine(_root, "cgroup"));
        var provider = new StatsProvider(runtime, cgroups, "/skiff-t", "n1", paths.Root, time, Path.Combine(_root, "proc"));
        var source = new NodeEvictionStats(runtime, provider, cgroups, paths, "/skiff-t", time, Path.Combine(_root, "proc"), Path.Combine(_root, "cgroup"));

        var stats = await source.CollectAsync([pod], CancellationToken.None);

        var memory = stats.Signals[EvictionSignal.MemoryAvailable];
        Assert.Equal((8L << 30, 6L << 30), (memory.Capacity, memory.Available));
        var pids = stats.Signals[EvictionSignal.PidAvailable];
        Assert.Equal((32768, 32768 - 350), (pids.Capacity, pids.Available));
        var nodefs = stats.Signals[EvictionSignal.NodeFsAvailable];
        Assert.True(nodefs.Capacity > 0 && nodefs.Available <= nodefs.Capacity);
        Assert.Equal(nodefs, stats.Signals[EvictionSignal.ImageFsAvailable]);
        Assert.False(stats.DedicatedImageFs);

        var usage = stats.Pods["uid-1"];
        Assert.Equal(3000, usage.ContainerDisk["app"]);
        Assert.Equal(5000, usage.VolumeDisk);
        Assert.Equal(new Dictionary<string, long> { ["scratch"] = 5000 }, usage.EmptyDirUsage);
        Assert.Equal(8000, usage.Disk);

        // Inodes: the log directory and its file, the emptyDir, its subdirectory and its file.
        Assert.Equal(5, usage.Inodes);
        Assert.Equal(7, usage.Processes);
        Assert.Null(usage.MemoryWorkingSet);
    }
}
