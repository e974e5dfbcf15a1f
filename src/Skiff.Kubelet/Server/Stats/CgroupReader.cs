using System.Globalization;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>
/// Reads a cgroup's CPU and memory figures from the cgroup filesystem, on cgroup v1 (including the hybrid layout,
/// with cpuacct and memory as separate hierarchies) and on cgroup v2 (one unified hierarchy). The figures are the
/// ones cAdvisor hands kubelet: cumulative CPU time, memory usage, working set (usage − inactive_file), RSS and page
/// faults. Thread-safe; every read goes to the files.
/// </summary>
internal sealed class CgroupReader
{
    private readonly string? _cpuacct;
    private readonly string? _memory;
    private readonly string? _unified;

    /// <summary>Reads the hierarchies mounted under <paramref name="root"/> (normally /sys/fs/cgroup).</summary>
    public CgroupReader(string root = "/sys/fs/cgroup")
    {
        if (File.Exists(Path.Combine(root, "cgroup.controllers")))
        {
            _unified = root;
            return;
        }

        // Hybrid or pure v1: cpuacct may be mounted alone or together with cpu ("cpu,cpuacct" or "cpuacct,cpu").
        _cpuacct = new[] { "cpuacct", "cpu,cpuacct", "cpuacct,cpu" }.Select(d => Path.Combine(root, d)).FirstOrDefault(Directory.Exists);
        _memory = Directory.Exists(Path.Combine(root, "memory")) ? Path.Combine(root, "memory") : null;
    }

    /// <summary>Whether the cgroup at <paramref name="path"/> (relative to the hierarchies' roots, e.g. /skiff/besteffort/podUID) exists.</summary>
    public bool Exists(string path) =>
        Directory.Exists(Combine(_unified ?? _memory ?? _cpuacct, path));

    /// <summary>The cgroup's cumulative CPU time in nanoseconds, or null when it cannot be read (the cgroup is gone).</summary>
    public ulong? CpuUsageNanoseconds(string path)
    {
        if (_unified is not null)
        {
            return Read(Combine(_unified, path), "cpu.stat") is { } stat && ParseKeyValues(stat).TryGetValue("usage_usec", out var usec) ? usec * 1000 : null;
        }

        return Read(Combine(_cpuacct, path), "cpuacct.usage") is { } text && ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ns) ? ns : null;
    }

    /// <summary>The cgroup's memory figures at <paramref name="time"/>, or null when they cannot be read.</summary>
    public MemorySample? Memory(string path, DateTimeOffset time)
    {
        if (_unified is not null)
        {
            var dir = Combine(_unified, path);
            if (Read(dir, "memory.current") is not { } current || !ulong.TryParse(current.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var usage)
                || Read(dir, "memory.stat") is not { } stat)
            {
                return null;
            }

            return FromStat(time, usage, ParseKeyValues(stat), "inactive_file", "anon", "pgfault", "pgmajfault");
        }

        var v1 = Combine(_memory, path);
        if (Read(v1, "memory.usage_in_bytes") is not { } text || !ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var used)
            || Read(v1, "memory.stat") is not { } v1Stat)
        {
            return null;
        }

        // The total_* counters are hierarchical: a pod cgroup's include its containers'.
        return FromStat(time, used, ParseKeyValues(v1Stat), "total_inactive_file", "total_rss", "total_pgfault", "total_pgmajfault");
    }

    /// <summary>Working set as kubelet (cAdvisor) computes it: usage minus inactive file pages, never below zero.</summary>
    public static ulong WorkingSet(ulong usage, ulong inactiveFile) => usage > inactiveFile ? usage - inactiveFile : 0;

    /// <summary>Parses a flat-keyed cgroup file (memory.stat, cpu.stat): one <c>key value</c> per line.</summary>
    public static Dictionary<string, ulong> ParseKeyValues(string text)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            if (space > 0 && ulong.TryParse(line.AsSpan(space + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }

        return values;
    }

    private static MemorySample FromStat(DateTimeOffset time, ulong usage, Dictionary<string, ulong> stat, string inactiveFile, string rss, string faults, string majorFaults) =>
        new(time, usage, WorkingSet(usage, stat.GetValueOrDefault(inactiveFile)), stat.GetValueOrDefault(rss), stat.GetValueOrDefault(faults), stat.GetValueOrDefault(majorFaults));

    private static string? Combine(string? hierarchy, string path) => hierarchy is null ? null : Path.Combine(hierarchy, path.TrimStart('/'));

    private static string? Read(string? dir, string file)
    {
        if (dir is null)
        {
            return null;
        }

        try
        {
            return File.ReadAllText(Path.Combine(dir, file));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A container that just exited takes its cgroup with it; its figures are simply missing.
            return null;
        }
    }
}
