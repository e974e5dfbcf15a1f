using System.Globalization;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>
/// The node's own figures from /proc: CPU time from /proc/stat and memory from /proc/meminfo, giving what kubelet
/// reports for the node (the root cgroup's figures in cAdvisor): usage = MemTotal − MemFree, working set = usage −
/// Inactive(file), available = MemTotal − working set.
/// </summary>
internal static class ProcStats
{
    /// <summary>USER_HZ, the unit of /proc/stat; 100 on every Linux architecture kubelet runs on.</summary>
    private const ulong UserHz = 100;

    /// <summary>Busy CPU time of all CPUs in nanoseconds (user, nice, system, irq, softirq, steal: everything but idle and iowait).</summary>
    public static ulong? CpuUsageNanoseconds(string procStat)
    {
        foreach (var line in procStat.Split('\n'))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => ulong.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
            if (fields.Length < 4)
            {
                return null;
            }

            // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
            ulong busy = fields[0] + fields[1] + fields[2];
            for (var i = 5; i < Math.Min(fields.Length, 8); i++)
            {
                busy += fields[i];
            }

            return busy * (1_000_000_000 / UserHz);
        }

        return null;
    }

    /// <summary>The boot time (btime of /proc/stat), the node's start time in the Summary API.</summary>
    public static DateTimeOffset? BootTime(string procStat)
    {
        foreach (var line in procStat.Split('\n'))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
        }

        return null;
    }

    /// <summary>The node's memory figures from /proc/meminfo (page faults from /proc/vmstat), or null when MemTotal is missing.</summary>
    public static MemorySample? Memory(string meminfo, string vmstat, DateTimeOffset time)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in meminfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var parts = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                values[line[..colon]] = parts.Length > 1 && parts[1] == "kB" ? v * 1024 : v;
            }
        }

        if (!values.TryGetValue("MemTotal", out var total))
        {
            return null;
        }

        var usage = total - Math.Min(total, values.GetValueOrDefault("MemFree"));
        var workingSet = CgroupReader.WorkingSet(usage, values.GetValueOrDefault("Inactive(file)"));
        var faults = CgroupReader.ParseKeyValues(vmstat);
        return new MemorySample(time, usage, workingSet, values.GetValueOrDefault("AnonPages"), faults.GetValueOrDefault("pgfault"), faults.GetValueOrDefault("pgmajfault"), total - workingSet);
    }
}
