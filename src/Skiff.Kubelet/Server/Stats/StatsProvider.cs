using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>
/// Collects the node's and its pods' resource figures, as kubelet's stats provider does from cAdvisor: the node from
/// /proc, each ready pod sandbox from its pod cgroup (ROOT[/burstable|/besteffort]/pod&lt;uid&gt;) and each running
/// container from its own cgroup below it (containerd's cgroupfs layout: the pod cgroup/&lt;container id&gt;). CPU
/// rates (usageNanoCores) come from the previous collection at least a second earlier. Thread-safe.
/// </summary>
internal sealed class StatsProvider
{
    private static readonly string[] QosTiers = ["", "burstable", "besteffort"];
    private static readonly TimeSpan MinRateInterval = TimeSpan.FromSeconds(1);

    private readonly IContainerRuntime _runtime;
    private readonly CgroupReader _cgroups;
    private readonly string _cgroupRoot;
    private readonly string _nodeName;
    private readonly string _fsPath;
    private readonly string _proc;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Dictionary<string, CpuSample> _previous = new(StringComparer.Ordinal);

    /// <param name="cgroupRoot">The agent's cgroup root (pods' cgroups go below it).</param>
    /// <param name="fsPath">A path on the filesystem reported as the node's fs (the agent's data directory).</param>
    /// <param name="proc">Where procfs is mounted (tests point it at fixtures).</param>
    public StatsProvider(IContainerRuntime runtime, CgroupReader cgroups, string cgroupRoot, string nodeName, string fsPath, TimeProvider time, string proc = "/proc")
    {
        _runtime = runtime;
        _cgroups = cgroups;
        _cgroupRoot = "/" + cgroupRoot.Trim('/');
        _nodeName = nodeName;
        _fsPath = fsPath;
        _proc = proc;
        _time = time;
    }

    /// <summary>Takes one sample of the node and every running pod.</summary>
    public async Task<StatsSummary> CollectAsync(CancellationToken cancellationToken)
    {
        var sandboxes = await _runtime.ListPodSandboxesAsync(new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } }, cancellationToken).ConfigureAwait(false);
        var containers = await _runtime.ListContainersAsync(new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } }, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var procStat = ReadOrEmpty(Path.Combine(_proc, "stat"));
        var seen = new Dictionary<string, CpuSample>(StringComparer.Ordinal);

        var node = new NodeStatsSample(
            _nodeName,
            ProcStats.BootTime(procStat) ?? now,
            Rate("node", ProcStats.CpuUsageNanoseconds(procStat), now, seen),
            ProcStats.Memory(ReadOrEmpty(Path.Combine(_proc, "meminfo")), ReadOrEmpty(Path.Combine(_proc, "vmstat")), now),
            Fs(now));

        var byPod = containers.ToLookup(c => c.PodSandboxId, StringComparer.Ordinal);
        var pods = new List<PodStatsSample>();
        foreach (var sandbox in sandboxes)
        {
            if (!sandbox.Labels.TryGetValue(KubeletLabels.PodUid, out var uid) || PodCgroup(uid) is not { } podCgroup)
            {
                continue;
            }

            var podContainers = new List<ContainerStatsSample>();
            foreach (var container in byPod[sandbox.Id].OrderBy(c => c.Metadata?.Name, StringComparer.Ordinal))
            {
                var path = podCgroup + "/" + container.Id;
                podContainers.Add(new ContainerStatsSample(
                    container.Metadata?.Name ?? container.Labels.GetValueOrDefault(KubeletLabels.ContainerName, ""),
                    FromUnixNanoseconds(container.CreatedAt),
                    Rate("container/" + container.Id, _cgroups.CpuUsageNanoseconds(path), now, seen),
                    _cgroups.Memory(path, now)));
            }

            pods.Add(new PodStatsSample(
                sandbox.Metadata?.Name ?? sandbox.Labels.GetValueOrDefault(KubeletLabels.PodName, ""),
                sandbox.Metadata?.Namespace ?? sandbox.Labels.GetValueOrDefault(KubeletLabels.PodNamespace, ""),
                uid,
                FromUnixNanoseconds(sandbox.CreatedAt),
                podContainers,
                Rate("pod/" + uid, _cgroups.CpuUsageNanoseconds(podCgroup), now, seen),
                _cgroups.Memory(podCgroup, now)));
        }

        lock (_lock)
        {
            // Keep the older sample where the new one came too soon after it, so rates always span a second or more.
            foreach (var (key, sample) in seen)
            {
                if (_previous.TryGetValue(key, out var old) && sample.Time - old.Time < MinRateInterval)
                {
                    seen[key] = old;
                }
            }

            _previous = seen;
        }

        return new StatsSummary(node, pods);
    }

    /// <summary>The pod's cgroup under whichever QoS tier holds it, or null when none exists (the pod is gone).</summary>
    private string? PodCgroup(string uid)
    {
        foreach (var tier in QosTiers)
        {
            var path = tier.Length == 0 ? $"{_cgroupRoot}/pod{uid}" : $"{_cgroupRoot}/{tier}/pod{uid}";
            if (_cgroups.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>A CPU sample with its rate since the previous collection's sample of the same key.</summary>
    private CpuSample? Rate(string key, ulong? usage, DateTimeOffset now, Dictionary<string, CpuSample> seen)
    {
        if (usage is not { } total)
        {
            return null;
        }

        CpuSample? previous;
        lock (_lock)
        {
            previous = _previous.GetValueOrDefault(key);
        }

        var sample = new CpuSample(now, total, UsageNanoCores(previous, now, total));
        seen[key] = sample;
        return sample;
    }

    /// <summary>Nanocores between two cumulative readings: Δcpu-ns / Δwall-ns × 10⁹; null without a usable earlier reading.</summary>
    internal static ulong? UsageNanoCores(CpuSample? previous, DateTimeOffset now, ulong total)
    {
        if (previous is null || total < previous.UsageCoreNanoSeconds)
        {
            return null;
        }

        var elapsed = (now - previous.Time).Ticks * 100.0;
        if (elapsed <= 0)
        {
            return null;
        }

        return (ulong)((total - previous.UsageCoreNanoSeconds) / elapsed * 1e9);
    }

    private FsSample? Fs(DateTimeOffset now)
    {
        try
        {
            var drive = new DriveInfo(_fsPath);
            var capacity = (ulong)drive.TotalSize;
            var available = (ulong)drive.AvailableFreeSpace;
            return new FsSample(now, capacity, available, capacity - Math.Min(capacity, (ulong)drive.TotalFreeSpace));
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static DateTimeOffset FromUnixNanoseconds(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);

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
