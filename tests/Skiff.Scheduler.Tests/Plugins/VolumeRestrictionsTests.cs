using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.VolumeRestrictions;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class VolumeRestrictionsTests
{
    private static V1Pod WithDisk(V1Pod pod, string pd, bool readOnly) =>
        pod.With(p => p.Spec.Volumes = [new V1Volume { Name = "d", GcePersistentDisk = new V1GCEPersistentDiskVolumeSource { PdName = pd, ReadOnlyProperty = readOnly } }]);

    [Fact]
    public void ReadWriteOncePodClaim_InUse_UnschedulableEverywhere()
    {
        var listers = new SchedulerListers();
        listers.Claims.Upsert(MakeVolumes.Claim("solo", modes: ["ReadWriteOncePod"]));
        listers.Claims.Upsert(MakeVolumes.Claim("shared", modes: ["ReadWriteOnce"]));
        var n1 = Make.Info(Make.Node("n1"), Make.Pod("holder", nodeName: "n1").WithClaims("solo", "shared"));
        var n2 = Make.Info(Make.Node("n2"));
        var plugin = new VolumeRestrictionsPlugin(listers);

        var solo = PluginRunner.Filter(plugin, Make.Pod("p").WithClaims("solo"), n1, n2);
        var shared = PluginRunner.Filter(plugin, Make.Pod("q").WithClaims("shared"), n1, n2);

        Assert.Equal("Unschedulable: " + VolumeRestrictionsPlugin.ErrReadWriteOncePodConflict, solo["n2"]);
        Assert.Equal(["ok", "ok"], [shared["n1"], shared["n2"]]);
    }

    [Theory]
    [InlineData(false, false, "Unschedulable: node(s) had no available disk")]
    [InlineData(true, false, "Unschedulable: node(s) had no available disk")]
    [InlineData(true, true, "ok")]
    public void GcePersistentDisk_ConflictUnlessAllReadOnly(bool existingReadOnly, bool readOnly, string expected)
    {
        var n1 = Make.Info(Make.Node("n1"), WithDisk(Make.Pod("holder", nodeName: "n1"), "disk-1", existingReadOnly));
        var n2 = Make.Info(Make.Node("n2"));

        var result = PluginRunner.Filter(new VolumeRestrictionsPlugin(new SchedulerListers()), WithDisk(Make.Pod("p"), "disk-1", readOnly), n1, n2);

        Assert.Equal(expected, result["n1"]);
        Assert.Equal("ok", result["n2"]);
    }
}
