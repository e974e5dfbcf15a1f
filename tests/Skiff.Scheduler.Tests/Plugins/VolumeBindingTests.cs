using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.VolumeBinding;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class VolumeBindingTests
{
    private const string AffinityConflict = "UnschedulableAndUnresolvable: node(s) had volume node affinity conflict";
    private const string BindConflict = "UnschedulableAndUnresolvable: node(s) didn't find available persistent volumes to bind";

    private static readonly NodeInfo[] Nodes = [Make.Info(Make.Node("n1")), Make.Info(Make.Node("n2")), Make.Info(Make.Node("n3"))];

    public static TheoryData<string, V1StorageClass[], V1PersistentVolumeClaim[], V1PersistentVolume[], string[]> Cases => new()
    {
        {
            "bound claim on a local volume pins the pod",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data", volumeName: "pv-n2")],
            [MakeVolumes.Volume("pv-n2", node: "n2", claimRef: new V1ObjectReference { Name = "data", NamespaceProperty = "default" })],
            [AffinityConflict, "ok", AffinityConflict]
        },
        {
            "bound claim on a volume without node affinity fits anywhere",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data", volumeName: "pv")],
            [MakeVolumes.Volume("pv")],
            ["ok", "ok", "ok"]
        },
        {
            "bound claim whose volume is gone",
            [],
            [MakeVolumes.Claim("data", volumeName: "missing")],
            [],
            ["UnschedulableAndUnresolvable: node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)", "UnschedulableAndUnresolvable: node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)", "UnschedulableAndUnresolvable: node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"]
        },
        {
            "unbound claim of an Immediate class",
            [MakeVolumes.Class("fast", mode: "Immediate", provisioner: "example.com/fast")],
            [MakeVolumes.Claim("data", cls: "fast")],
            [],
            ["UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims", "UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims", "UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims"]
        },
        {
            "missing claim",
            [],
            [],
            [],
            ["UnschedulableAndUnresolvable: persistentvolumeclaim \"data\" not found", "UnschedulableAndUnresolvable: persistentvolumeclaim \"data\" not found", "UnschedulableAndUnresolvable: persistentvolumeclaim \"data\" not found"]
        },
        {
            "WaitForFirstConsumer: only the node with a free matching local volume",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data")],
            [MakeVolumes.Volume("pv-n1", node: "n1"), MakeVolumes.Volume("pv-n3-small", node: "n3", size: "100Mi"), MakeVolumes.Volume("pv-n2-taken", node: "n2", claimRef: new V1ObjectReference { Name = "other", NamespaceProperty = "default" })],
            ["ok", BindConflict, BindConflict]
        },
        {
            "WaitForFirstConsumer: access modes, class and selector must match",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data", modes: ["ReadWriteMany"])],
            [MakeVolumes.Volume("pv-n1", node: "n1"), MakeVolumes.Volume("pv-n2", node: "n2", cls: "other", modes: ["ReadWriteMany"]), MakeVolumes.Volume("pv-n3", node: "n3", modes: ["ReadWriteOnce", "ReadWriteMany"])],
            [BindConflict, BindConflict, "ok"]
        },
        {
            "WaitForFirstConsumer with a provisioner fits every node",
            [MakeVolumes.Class("local-path", provisioner: "skiff.io/local-path")],
            [MakeVolumes.Claim("data", cls: "local-path")],
            [],
            ["ok", "ok", "ok"]
        },
        {
            "WaitForFirstConsumer without provisioner or volume fits nowhere",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data")],
            [],
            [BindConflict, BindConflict, BindConflict]
        },
        {
            "a volume pre-bound to the claim is used",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data")],
            [MakeVolumes.Volume("pv-n3", node: "n3", claimRef: new V1ObjectReference { Name = "data", NamespaceProperty = "default", Uid = "claim-data" })],
            [BindConflict, BindConflict, "ok"]
        },
        {
            "bound and unbound claims together report both reasons",
            [MakeVolumes.Class("local")],
            [MakeVolumes.Claim("data", volumeName: "pv-n1"), MakeVolumes.Claim("logs")],
            [MakeVolumes.Volume("pv-n1", node: "n1", claimRef: new V1ObjectReference { Name = "data", NamespaceProperty = "default" }), MakeVolumes.Volume("pv-logs-n2", node: "n2")],
            [BindConflict, AffinityConflict, "UnschedulableAndUnresolvable: node(s) had volume node affinity conflict; node(s) didn't find available persistent volumes to bind"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filter(string name, V1StorageClass[] classes, V1PersistentVolumeClaim[] claims, V1PersistentVolume[] volumes, string[] expected)
    {
        var listers = new SchedulerListers();
        Array.ForEach(classes, c => listers.StorageClasses.Upsert(c));
        Array.ForEach(claims, c => listers.Claims.Upsert(c));
        Array.ForEach(volumes, v => listers.Volumes.Upsert(v));
        var names = claims.Length == 0 ? ["data"] : claims.Select(c => c.Metadata.Name).ToArray();
        var pod = Make.Pod("p").WithClaims(names);

        var result = PluginRunner.Filter(new VolumeBindingPlugin(listers, null, new FakeTimeProvider()), pod, Nodes);

        Assert.True(expected.SequenceEqual(Nodes.Select(n => result[n.Name])), $"{name}: {string.Join(" | ", Nodes.Select(n => result[n.Name]))}");
    }

    [Fact]
    public void PodWithoutClaims_Skipped()
    {
        var plugin = new VolumeBindingPlugin(new SchedulerListers(), null, new FakeTimeProvider());
        Assert.Equal(StatusCode.Skip, plugin.PreFilter(new CycleState(), new PodInfo(Make.Pod("p")), new Snapshot(Nodes)).Code);
    }

    [Fact]
    public void Plan_PicksSmallestFittingVolume()
    {
        var listers = new SchedulerListers();
        listers.StorageClasses.Upsert(MakeVolumes.Class("local"));
        listers.Volumes.Upsert(MakeVolumes.Volume("big", node: "n1", size: "10Gi"));
        listers.Volumes.Upsert(MakeVolumes.Volume("right", node: "n1", size: "2Gi"));
        listers.Volumes.Upsert(MakeVolumes.Volume("small", node: "n1", size: "1Gi"));
        var plugin = new VolumeBindingPlugin(listers, null, new FakeTimeProvider());

        var plan = plugin.Plan([MakeVolumes.Claim("data", size: "1500Mi")], Make.Node("n1"));

        Assert.Equal("right", Assert.Single(plan!.Static).Volume.Metadata.Name);
    }
}
