using System.Globalization;

namespace Skiff.Bench.Kubelet;

/// <summary>
/// CPU time of a cgroup v1 <c>cpuacct</c> group, split into user and system. The benchmark puts `skiff server` in a
/// group of its own before it starts, so the group holds skiff, its containerd, every containerd shim (they daemonize,
/// but keep their cgroup) and every short-lived child they run (runc, CNI plugins, nft, iptables, mount); the pods'
/// own processes live in the agent's pod cgroups, read the same way.
/// </summary>
internal sealed class CpuAccount(string directory)
{
    // USER_HZ: the unit of cpuacct.stat; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public const string Root = "/sys/fs/cgroup/cpuacct";

    public string Directory { get; } = directory;

    /// <summary>True when the machine has a cgroup v1 cpuacct hierarchy (the benchmark then reports CPU per pod).</summary>
    public static bool Available => File.Exists(Path.Combine(Root, "cpuacct.stat"));

    /// <summary>Creates the group <paramref name="name"/> under the cpuacct root.</summary>
    public static CpuAccount Create(string name)
    {
        var dir = Path.Combine(Root, name);
        System.IO.Directory.CreateDirectory(dir);
        return new CpuAccount(dir);
    }

    /// <summary>User and system CPU time so far; zero when the group does not exist (yet).</summary>
    public CpuSample Read()
    {
        var file = Path.Combine(Directory, "cpuacct.stat");
        if (!File.Exists(file))
        {
            return default;
        }

        double user = 0, system = 0;
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks))
            {
                if (parts[0] == "user")
                {
                    user = ticks / TicksPerSecond;
                }
                else if (parts[0] == "system")
                {
                    system = ticks / TicksPerSecond;
                }
            }
        }

        return new CpuSample(user, system);
    }

    /// <summary>Removes the group (it must be empty).</summary>
    public void Delete()
    {
        try
        {
            System.IO.Directory.Delete(Directory);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>CPU seconds in user and in system (kernel) mode.</summary>
internal readonly record struct CpuSample(double User, double System)
{
    public double Total => User + System;

    public static CpuSample operator -(CpuSample a, CpuSample b) => new(a.User - b.User, a.System - b.System);

    public static CpuSample operator +(CpuSample a, CpuSample b) => new(a.User + b.User, a.System + b.System);
}
