using k8s.Models;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Server.Stats;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Eviction;

/// <summary>
/// The node's eviction signals as kubelet computes them from cAdvisor: memory.available = MemTotal − the root
/// cgroup's working set (usage − inactive file; /proc/meminfo where the root cgroup has no memory files, as on cgroup
/// v2); nodefs from statvfs of the agent's root directory, imagefs from containerd's root (the same figures when both
/// are on one filesystem); pid.available = min(pid_max, threads-max) − the tasks running. Pods' memory comes from
/// <see cref="StatsProvider"/>; their disk from their containers' writable layers (CRI ListContainerStats), logs and
/// disk-backed emptyDirs; their processes from their pids cgroup.
/// </summary>
internal sealed class NodeEvictionStats : IEvictionStatsSource
{
    private readonly IContainerRuntime _runtime;
    private readonly StatsProvider _stats;
    private readonly CgroupReader _cgroups;
    private readonly AgentPaths _paths;
    private readonly string _cgroupRoot;
    private readonly TimeProvider _time;
    private readonly string _proc;
    private readonly string _sysCgroup;

    public NodeEvictionStats(IContainerRuntime runtime, StatsProvider stats, CgroupReader cgroups, AgentPaths paths, string cgroupRoot, TimeProvider time, string proc = "/proc", string sysCgroup = "/sys/fs/cgroup")
    {
        _runtime = runtime;
        _stats = stats;
        _cgroups = cgroups;
        _paths = paths;
        _cgroupRoot = "/" + cgroupRoot.Trim('/');
        _time = time;
        _proc = proc;
        _sysCgroup = sysCgroup;
    }

    public async Task<EvictionStats> CollectAsync(IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        var summary = await _stats.CollectAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var signals = new Dictionary<string, SignalObservation>(StringComparer.Ordinal);

        if (NodeMemory(now) is { } memory)
        {
            signals[EvictionSignal.MemoryAvailable] = memory;
        }

        var nodeFs = FileSystemStats.Of(_paths.Root);
        var imageFs = Directory.Exists(_paths.ContainerdRoot) ? FileSystemStats.Of(_paths.ContainerdRoot) : null;
        var dedicated = nodeFs is not null && imageFs is not null && imageFs.Device.Length > 0 && imageFs.Device != nodeFs.Device;
        imageFs = dedicated ? imageFs : nodeFs;
        if (nodeFs is not null)
        {
            signals[EvictionSignal.NodeFsAvailable] = new(nodeFs.AvailableBytes, nodeFs.CapacityBytes, now);
            signals[EvictionSignal.NodeFsInodesFree] = new(nodeFs.InodesFree, nodeFs.Inodes, now);
        }

        if (imageFs is not null)
        {
            signals[EvictionSignal.ImageFsAvailable] = new(imageFs.AvailableBytes, imageFs.CapacityBytes, now);
            signals[EvictionSignal.ImageFsInodesFree] = new(imageFs.InodesFree, imageFs.Inodes, now);
        }

        if (Pids(now) is { } pids)
        {
            signals[EvictionSignal.PidAvailable] = pids;
        }

        var byUid = summary.Pods.ToDictionary(p => p.Uid, StringComparer.Ordinal);
        var layers = await WritableLayersAsync(cancellationToken).ConfigureAwait(false);
        var usage = new Dictionary<string, PodUsage>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var uid = pod.Metadata.Uid;
            var sample = byUid.GetValueOrDefault(uid);
            var containerDisk = new Dictionary<string, long>(StringComparer.Ordinal);
            long inodes = 0, writableLayers = 0;
            var logs = RuntimeConfigBuilder.LogDirectory(_paths.PodLogs, pod);
            foreach (var container in pod.Spec.Containers)
            {
                // A container's local storage as kubelet counts it: its writable layer (rootfs) plus its logs.
                var (bytes, files) = DirectoryUsage(Path.Combine(logs, container.Name));
                var layer = layers.GetValueOrDefault((uid, container.Name));
                containerDisk[container.Name] = bytes + layer.Bytes;
                inodes += files + layer.Inodes;
                writableLayers += layer.Bytes;
            }

            var emptyDirs = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var volume in pod.Spec.Volumes ?? [])
            {
                if (volume.EmptyDir is { } emptyDir && emptyDir.Medium is null or "")
                {
                    var (bytes, files) = DirectoryUsage(VolumePlugins.VolumeDir(Path.Combine(_paths.PodsData, uid), VolumePlugins.EmptyDir, volume.Name));
                    emptyDirs[volume.Name] = bytes;
                    inodes += files;
                }
            }

            usage[uid] = new PodUsage(
                sample?.Memory is { } m ? (long)m.WorkingSetBytes : null,
                sample?.Containers.Where(c => c.Memory is not null).ToDictionary(c => c.Name, c => (long)c.Memory!.WorkingSetBytes, StringComparer.Ordinal) ?? [],
                containerDisk,
                emptyDirs.Values.Sum(),
                emptyDirs,
                inodes,
                PodProcesses(uid),
                writableLayers);
        }

        return new EvictionStats(signals, usage, dedicated);
    }

    /// <summary>The writable layers' use by (pod UID, container name), all attempts together (CRI ListContainerStats).</summary>
    private async Task<Dictionary<(string Uid, string Name), (long Bytes, long Inodes)>> WritableLayersAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), (long Bytes, long Inodes)>();
        IReadOnlyList<Cri.V1.ContainerStats> stats;
        try
        {
            stats = await _runtime.ListContainerStatsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RuntimeException)
        {
            // Without the runtime's figures the logs and volumes still count; the next pass asks again.
            return result;
        }

        foreach (var container in stats)
        {
            if (container.Attributes?.Labels.TryGetValue(KubeletLabels.PodUid, out var uid) != true || container.WritableLayer is not { } layer)
            {
                continue;
            }

            var key = (uid!, container.Attributes.Metadata?.Name ?? container.Attributes.Labels.GetValueOrDefault(KubeletLabels.ContainerName, ""));
            var old = result.GetValueOrDefault(key);
            result[key] = (old.Bytes + (long)(layer.UsedBytes?.Value ?? 0), old.Inodes + (long)(layer.InodesUsed?.Value ?? 0));
        }

        return result;
    }

    /// <summary>memory.available and its capacity, as cAdvisor's root container gives them to kubelet.</summary>
    private SignalObservation? NodeMemory(DateTimeOffset now)
    {
        var meminfo = ReadOrEmpty(Path.Combine(_proc, "meminfo"));
        var proc = ProcStats.Memory(meminfo, ReadOrEmpty(Path.Combine(_proc, "vmstat")), now);
        if (proc is null)
        {
            return null;
        }

        var capacity = (long)(proc.AvailableBytes!.Value + proc.WorkingSetBytes);
        var workingSet = _cgroups.Memory("/", now)?.WorkingSetBytes is { } root ? (long)root : (long)proc.WorkingSetBytes;
        return new SignalObservation(Math.Max(0, capacity - workingSet), capacity, now);
    }

    /// <summary>pid.available: min(kernel.pid_max, kernel.threads-max) − the tasks that exist (kubelet's rlimit stats).</summary>
    private SignalObservation? Pids(DateTimeOffset now)
    {
        var pidMax = FileSystemStats.ParseLong(ReadOrEmpty(Path.Combine(_proc, "sys", "kernel", "pid_max")));
        var threadsMax = FileSystemStats.ParseLong(ReadOrEmpty(Path.Combine(_proc, "sys", "kernel", "threads-max")));
        var max = pidMax > 0 && threadsMax > 0 ? Math.Min(pidMax, threadsMax) : Math.Max(pidMax, threadsMax);

        // /proc/loadavg: "0.00 0.01 0.05 RUNNING/TOTAL LASTPID"; TOTAL is the number of tasks, what sysinfo(2)'s procs counts.
        var fields = ReadOrEmpty(Path.Combine(_proc, "loadavg")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (max <= 0 || fields.Length < 4 || fields[3].Split('/') is not [_, var total])
        {
            return null;
        }

        var running = FileSystemStats.ParseLong(total);
        return new SignalObservation(Math.Max(0, max - running), max, now);
    }

    /// <summary>Tasks in the pod's cgroup (pids.current of the pids controller), or null when it has none.</summary>
    private long? PodProcesses(string uid)
    {
        var hierarchy = File.Exists(Path.Combine(_sysCgroup, "cgroup.controllers")) ? _sysCgroup : Path.Combine(_sysCgroup, "pids");
        foreach (var tier in new[] { "", "burstable", "besteffort" })
        {
            var file = Path.Combine(hierarchy, _cgroupRoot.TrimStart('/'), tier, "pod" + uid, "pids.current");
            if (File.Exists(file))
            {
                return FileSystemStats.ParseLong(ReadOrEmpty(file));
            }
        }

        return null;
    }

    /// <summary>Bytes and inodes (files and directories) under <paramref name="dir"/>; symlinks are not followed.</summary>
    internal static (long Bytes, long Inodes) DirectoryUsage(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return (0, 0);
        }

        long bytes = 0, inodes = 1;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        try
        {
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos("*", options))
            {
                inodes++;
                if (entry is FileInfo file)
                {
                    bytes += file.Length;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The pod is being torn down: what was counted so far is the best figure.
        }

        return (bytes, inodes);
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
