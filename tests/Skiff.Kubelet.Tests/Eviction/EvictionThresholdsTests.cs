using Skiff.Kubelet.Eviction;

namespace Skiff.Kubelet.Tests.Eviction;

public class EvictionThresholdsTests
{
    [Fact]
    public void Parse_NoFlags_GivesKubeletsDefaultHardThresholds()
    {
        var thresholds = EvictionThresholds.Parse(null, null, null, null);

        Assert.Equal(
            ["memory.available<100Mi", "nodefs.available<10%", "nodefs.inodesFree<5%", "imagefs.available<15%", "imagefs.inodesFree<5%"],
            thresholds.Select(t => $"{t.Signal}<{t.Value.Text}"));
        Assert.All(thresholds, t => Assert.True(t.IsHard));
        Assert.Equal(100L * 1024 * 1024, thresholds[0].Value.Quantity);
        Assert.Equal(0.1f, thresholds[1].Value.Percentage);
    }

    [Fact]
    public void Parse_HardGiven_ReplacesAllDefaults()
    {
        var thresholds = EvictionThresholds.Parse("nodefs.available<40%", null, null, null);

        var only = Assert.Single(thresholds);
        Assert.Equal(EvictionSignal.NodeFsAvailable, only.Signal);
        Assert.Equal(0.4f, only.Value.Percentage);
    }

    [Fact]
    public void Parse_ZeroValue_TurnsTheSignalOff()
    {
        var thresholds = EvictionThresholds.Parse("memory.available<0,nodefs.available<0%,pid.available<100", null, null, null);

        Assert.Equal([EvictionSignal.PidAvailable], thresholds.Select(t => t.Signal));
        Assert.Equal(100, thresholds[0].Value.Quantity);
    }

    [Fact]
    public void Parse_SoftWithGraceAndMinimumReclaim_BuildsSoftThresholds()
    {
        var thresholds = EvictionThresholds.Parse("memory.available<100Mi", "memory.available<1Gi,nodefs.available<15%", "memory.available=1m30s,nodefs.available=2m", "memory.available=500Mi,nodefs.available=5%");

        var soft = thresholds.Where(t => !t.IsHard).ToList();
        Assert.Equal(2, soft.Count);
        Assert.Equal(TimeSpan.FromSeconds(90), soft[0].GracePeriod);
        Assert.Equal(1024L * 1024 * 1024, soft[0].Value.Quantity);
        Assert.Equal(500L * 1024 * 1024, soft[0].MinReclaim!.Quantity);
        Assert.Equal(TimeSpan.FromMinutes(2), soft[1].GracePeriod);
        Assert.Equal(0.05f, soft[1].MinReclaim!.Percentage);

        // Minimum reclaim applies to the hard threshold of the same signal too.
        Assert.Equal(500L * 1024 * 1024, thresholds.Single(t => t.IsHard).MinReclaim!.Quantity);
    }

    [Theory]
    [InlineData("memory.avail<100Mi", null, null, null, "unsupported eviction signal memory.avail")]
    [InlineData("memory.available=100Mi", null, null, null, "invalid eviction threshold syntax")]
    [InlineData("memory.available<100Mi,memory.available<200Mi", null, null, null, "found duplicate eviction threshold for signal memory.available")]
    [InlineData("nodefs.available<-5%", null, null, null, "eviction percentage threshold nodefs.available must be positive: -5%")]
    [InlineData("nodefs.available<120%", null, null, null, "eviction percentage threshold nodefs.available must be less than 100%: 120%")]
    [InlineData("memory.available<-1Mi", null, null, null, "eviction threshold memory.available must be positive: -1Mi")]
    [InlineData("memory.available<lots", null, null, null, "invalid quantity lots for eviction signal memory.available")]
    [InlineData(null, "memory.available<1Gi", null, null, "grace period must be specified for the soft eviction threshold memory.available")]
    [InlineData(null, "memory.available<1Gi", "memory.available=soon", null, "'soon' for memory.available is not a duration")]
    [InlineData(null, null, "memory.available=1m", null, "memory.available has a grace period but no soft eviction threshold")]
    [InlineData(null, null, null, "memory.available=-1Mi", "eviction threshold memory.available must be positive: -1Mi")]
    public void Parse_BadInput_FailsWithAClearMessage(string? hard, string? soft, string? grace, string? reclaim, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => EvictionThresholds.Parse(hard, soft, grace, reclaim));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_Percentage_IsFloat32TimesCapacity_AsKubeletComputesIt()
    {
        var tenPercent = ThresholdValue.Parse(EvictionSignal.NodeFsAvailable, "10%");

        // 0.1 held as a float32 is 0.100000001490116..., so 10% of 1 TB is a little over 100 GB.
        Assert.Equal(100_000_001_490L, tenPercent.Resolve(1_000_000_000_000));
        Assert.Equal(100L * 1024 * 1024, ThresholdValue.Parse(EvictionSignal.MemoryAvailable, "100Mi").Resolve(123));
    }

    [Fact]
    public void HardReservation_IsTheLargestHardThresholdOfTheSignal()
    {
        var thresholds = EvictionThresholds.Parse("memory.available<200Mi,nodefs.available<10%", "memory.available<1Gi", "memory.available=1m", null);

        Assert.Equal(200L * 1024 * 1024, EvictionThresholds.HardReservation(thresholds, EvictionSignal.MemoryAvailable, 8L << 30));
        Assert.Equal(100_000_001, EvictionThresholds.HardReservation(thresholds, EvictionSignal.NodeFsAvailable, 1_000_000_000));
        Assert.Equal(0, EvictionThresholds.HardReservation(thresholds, EvictionSignal.PidAvailable, 1000));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1023, "1023")]
    [InlineData(1024, "1Ki")]
    [InlineData(1536, "1536")]
    [InlineData(104857600, "100Mi")]
    [InlineData(16023864137, "16023864137")]
    [InlineData(12975689728, "12671572Ki")]
    public void BinarySI_FormatsAsKubernetesPrintsQuantities(long value, string expected) =>
        Assert.Equal(expected, Skiff.Api.Printing.QuantityText.BinarySI(value));

    [Fact]
    public void MountDeviceOf_PicksTheLongestMountPointHoldingThePath()
    {
        const string mountinfo = """
            22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            40 22 0:45 / /tmp/skn-1 rw,relatime shared:20 - tmpfs tmpfs rw,size=262144k
            41 22 0:46 / /tmp/skn-10 rw,relatime shared:21 - tmpfs tmpfs rw
            """;

        Assert.Equal("0:45", FileSystemStats.MountDeviceOf("/tmp/skn-1/agent", mountinfo));
        Assert.Equal("0:45", FileSystemStats.MountDeviceOf("/tmp/skn-1", mountinfo));
        Assert.Equal("0:46", FileSystemStats.MountDeviceOf("/tmp/skn-10/agent/containerd/root", mountinfo));
        Assert.Equal("254:0", FileSystemStats.MountDeviceOf("/tmp/skn-100", mountinfo));
    }

    [Fact]
    public void Of_ReadsStatvfsOfARealDirectory()
    {
        var fs = FileSystemStats.Of(Path.GetTempPath());

        Assert.NotNull(fs);
        Assert.True(fs.CapacityBytes > 0 && fs.AvailableBytes <= fs.CapacityBytes, $"{fs}");
        Assert.True(fs.Inodes == 0 || fs.InodesFree <= fs.Inodes, $"{fs}");
        Assert.NotEqual("", fs.Device);
    }
}
