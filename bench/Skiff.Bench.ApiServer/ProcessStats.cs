using System.Globalization;

namespace Skiff.Bench.ApiServer;

/// <summary>Resident set and CPU time of a process, read from /proc (Linux only).</summary>
internal static class ProcessStats
{
    // USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS of <paramref name="pid"/> in MiB, or null when it cannot be read.</summary>
    public static double? RssMiB(int? pid) => StatusKiB(pid, "VmRSS:") / 1024.0;

    /// <summary>VmHWM (peak resident set) of <paramref name="pid"/> in MiB, or null when it cannot be read.</summary>
    public static double? PeakRssMiB(int? pid) => StatusKiB(pid, "VmHWM:") / 1024.0;

    /// <summary>User plus system CPU time of <paramref name="pid"/> so far, or null when it cannot be read.</summary>
    public static TimeSpan? CpuTime(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Busy CPU time of the whole machine so far (all cores; user, nice, system, irq, softirq, steal), or null
    /// when it cannot be read. With the server's and our own CPU time it tells how much other processes took.
    /// </summary>
    public static TimeSpan? MachineBusyTime()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            var f = cpu.Split(' ', StringSplitOptions.RemoveEmptyEntries);

            // cpu user nice system idle iowait irq softirq steal ...
            long Field(int i) => f.Length > i ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
            var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
            return TimeSpan.FromSeconds(busy / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The machine's 1-minute load average, or null when it cannot be read.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The number of threads of <paramref name="pid"/>, or null when it cannot be read.</summary>
    public static int? Threads(int? pid) => (int?)StatusKiB(pid, "Threads:");

    private static long? StatusKiB(int? pid, string field)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var value = line[field.Length..].Trim();
                    var space = value.IndexOf(' ');
                    return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
