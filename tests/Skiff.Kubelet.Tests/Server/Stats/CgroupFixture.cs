namespace Skiff.Kubelet.Tests.Server.Stats;

/// <summary>A temporary directory laid out like /sys/fs/cgroup (and /proc) with the files the stats readers use.</summary>
internal sealed class CgroupFixture : IDisposable
{
    public CgroupFixture() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "skiff-cgroup-" + Guid.NewGuid().ToString("N"));

    public CgroupFixture Write(string relative, string content)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    /// <summary>A cgroup v1 (hybrid) cgroup: cpuacct.usage, memory.usage_in_bytes and memory.stat with total_* counters.</summary>
    public CgroupFixture V1(string cgroup, ulong cpuNs, ulong usage, ulong inactiveFile, ulong rss = 1000)
    {
        var path = cgroup.TrimStart('/');
        Write($"cpuacct/{path}/cpuacct.usage", $"{cpuNs}\n");
        Write($"memory/{path}/memory.usage_in_bytes", $"{usage}\n");
        return Write($"memory/{path}/memory.stat",
            $"cache 5\nrss 7\ninactive_file 3\ntotal_cache 4096\ntotal_rss {rss}\ntotal_inactive_file {inactiveFile}\ntotal_pgfault 42\ntotal_pgmajfault 2\n");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
