using Skiff.Kubelet.Server.Stats;

namespace Skiff.Kubelet.Tests.Server.Stats;

public sealed class ProcStatsTests
{
    private const string Stat = """
        cpu  2460696 10 360475 2446435 2750 5 8075 498 0 0
        cpu0 1221353 0 178118 1235925 718 0 3249 254 0 0
        intr 1 2 3
        btime 1764100000
        """;

    [Fact]
    public void CpuUsageNanoseconds_SumsBusyJiffiesExceptIdleAndIowait()
    {
        // user + nice + system + irq + softirq + steal = 2460696 + 10 + 360475 + 5 + 8075 + 498 jiffies of 10 ms.
        Assert.Equal(2_829_759UL * 10_000_000, ProcStats.CpuUsageNanoseconds(Stat));
    }

    [Fact]
    public void BootTime_IsBtime()
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764100000), ProcStats.BootTime(Stat));
    }

    [Fact]
    public void Memory_UsageIsTotalMinusFree_WorkingSetLessInactiveFile_AvailableIsTotalMinusWorkingSet()
    {
        const string meminfo = """
            MemTotal:       1000 kB
            MemFree:         300 kB
            MemAvailable:    600 kB
            Inactive(file):  200 kB
            AnonPages:       150 kB
            HugePages_Total:       0
            """;

        var memory = ProcStats.Memory(meminfo, "pgfault 77\npgmajfault 3\n", DateTimeOffset.UnixEpoch)!;

        Assert.Equal(700UL * 1024, memory.UsageBytes);
        Assert.Equal(500UL * 1024, memory.WorkingSetBytes);
        Assert.Equal(500UL * 1024, memory.AvailableBytes);
        Assert.Equal(150UL * 1024, memory.RssBytes);
        Assert.Equal(77UL, memory.PageFaults);
        Assert.Equal(3UL, memory.MajorPageFaults);
    }

    [Fact]
    public void Memory_WithoutMemTotal_IsNull()
    {
        Assert.Null(ProcStats.Memory("MemFree: 1 kB\n", "", DateTimeOffset.UnixEpoch));
    }
}
