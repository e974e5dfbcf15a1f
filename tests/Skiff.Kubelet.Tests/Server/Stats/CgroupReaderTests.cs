using Skiff.Kubelet.Server.Stats;

namespace Skiff.Kubelet.Tests.Server.Stats;

public sealed class CgroupReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Memory_V1Hybrid_WorkingSetIsUsageMinusTotalInactiveFile()
    {
        using var fs = new CgroupFixture().V1("/skiff/besteffort/podu1", cpuNs: 123_456_789, usage: 10_000_000, inactiveFile: 4_000_000, rss: 3_000_000);
        fs.Write("memory/cgroup.procs", "");
        var reader = new CgroupReader(fs.Root);

        var memory = reader.Memory("/skiff/besteffort/podu1", Now);

        Assert.NotNull(memory);
        Assert.Equal(10_000_000UL, memory.UsageBytes);
        Assert.Equal(6_000_000UL, memory.WorkingSetBytes);
        Assert.Equal(3_000_000UL, memory.RssBytes);
        Assert.Equal(42UL, memory.PageFaults);
        Assert.Equal(2UL, memory.MajorPageFaults);
        Assert.Equal(123_456_789UL, reader.CpuUsageNanoseconds("/skiff/besteffort/podu1"));
        Assert.True(reader.Exists("/skiff/besteffort/podu1"));
        Assert.False(reader.Exists("/skiff/burstable/podu1"));
    }

    [Fact]
    public void Memory_V1_InactiveFileAboveUsage_WorkingSetIsZero()
    {
        using var fs = new CgroupFixture().V1("/a", cpuNs: 1, usage: 100, inactiveFile: 500);

        Assert.Equal(0UL, new CgroupReader(fs.Root).Memory("/a", Now)!.WorkingSetBytes);
    }

    [Fact]
    public void CpuacctMountedWithCpu_IsFound()
    {
        using var fs = new CgroupFixture().Write("cpu,cpuacct/cpuacct.usage", "1\n").Write("cpu,cpuacct/x/cpuacct.usage", "777\n");

        Assert.Equal(777UL, new CgroupReader(fs.Root).CpuUsageNanoseconds("/x"));
    }

    [Fact]
    public void V2_ReadsCpuStatMemoryCurrentAndInactiveFile()
    {
        using var fs = new CgroupFixture()
            .Write("cgroup.controllers", "cpu memory pids\n")
            .Write("skiff/podu2/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n")
            .Write("skiff/podu2/memory.current", "8192\n")
            .Write("skiff/podu2/memory.stat", "anon 4096\nfile 4096\ninactive_file 1024\npgfault 9\npgmajfault 1\n");
        var reader = new CgroupReader(fs.Root);

        var memory = reader.Memory("/skiff/podu2", Now)!;

        Assert.Equal(2_500_000UL, reader.CpuUsageNanoseconds("/skiff/podu2"));
        Assert.Equal(8192UL, memory.UsageBytes);
        Assert.Equal(7168UL, memory.WorkingSetBytes);
        Assert.Equal(4096UL, memory.RssBytes);
        Assert.Equal(9UL, memory.PageFaults);
    }

    [Fact]
    public void MissingCgroup_GivesNull()
    {
        using var fs = new CgroupFixture().V1("/present", 1, 1, 0);
        var reader = new CgroupReader(fs.Root);

        Assert.Null(reader.CpuUsageNanoseconds("/gone"));
        Assert.Null(reader.Memory("/gone", Now));
    }

    [Fact]
    public void ParseKeyValues_SkipsMalformedLines()
    {
        var values = CgroupReader.ParseKeyValues("a 1\nbroken\nb x\nc 18446744073709551615\n");

        Assert.Equal(2, values.Count);
        Assert.Equal(1UL, values["a"]);
        Assert.Equal(ulong.MaxValue, values["c"]);
    }
}
