using k8s.Models;
using Skiff.Controllers.DaemonSet;
using Skiff.Controllers.History;
using static Skiff.Controllers.Tests.DaemonSet.DaemonPodsTests;

namespace Skiff.Controllers.Tests.DaemonSet;

public sealed class DaemonSetPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    internal static V1Pod Pod(string name, string node, string hash = "new", bool ready = true, string phase = "Running", int ageSeconds = 600, bool deleting = false) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "ns",
            Uid = "uid-" + name,
            CreationTimestamp = Now.UtcDateTime.AddSeconds(-ageSeconds),
            DeletionTimestamp = deleting ? Now.UtcDateTime : null,
            Labels = new Dictionary<string, string> { ["app"] = "agent", [ControllerHistory.RevisionHashLabel] = hash },
        },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = ready ? [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = Now.UtcDateTime.AddSeconds(-ageSeconds / 2) }] : null,
        },
    };

    private static Dictionary<string, List<V1Pod>> Map(params V1Pod[] pods) => DaemonSetPlanner.NodeToPods(pods);

    [Fact]
    public void Manage_EligibleNodeWithoutPod_GetsOne()
    {
        var plan = DaemonSetPlanner.Manage(Ds(), [Node("a"), Node("b")], Map(Pod("p-a", "a")), "new", Now);
        Assert.Equal(["b"], plan.NodesNeedingPods);
        Assert.Empty(plan.PodsToDelete);
    }

    [Fact]
    public void Manage_NodeNoLongerMatching_LosesItsPod()
    {
        var plan = DaemonSetPlanner.Manage(Ds(new V1PodSpec { NodeSelector = new Dictionary<string, string> { ["role"] = "agent" }, Containers = [] }), [Node("a", new() { ["role"] = "web" })], Map(Pod("p-a", "a")), "new", Now);
        Assert.Equal(["p-a"], plan.PodsToDelete.Select(p => p.Metadata.Name));
        Assert.Empty(plan.NodesNeedingPods);
    }

    [Fact]
    public void Manage_NoScheduleTaintAdded_ExistingPodStays_NoExecuteEvicts()
    {
        var noSchedule = Node("a", null, new V1Taint { Key = "k", Effect = "NoSchedule" });
        Assert.True(DaemonSetPlanner.Manage(Ds(), [noSchedule], Map(Pod("p-a", "a")), "new", Now).IsEmpty);
        var noExecute = Node("a", null, new V1Taint { Key = "k", Effect = "NoExecute" });
        Assert.Single(DaemonSetPlanner.Manage(Ds(), [noExecute], Map(Pod("p-a", "a")), "new", Now).PodsToDelete);
    }

    [Fact]
    public void Manage_FailedPod_IsReportedForReplacement_NotRecreatedBesideIt()
    {
        var plan = DaemonSetPlanner.Manage(Ds(), [Node("a")], Map(Pod("p-a", "a", phase: "Failed")), "new", Now);
        Assert.Equal(["p-a"], plan.FailedPods.Select(p => p.Metadata.Name));
        Assert.Empty(plan.PodsToDelete);
        Assert.Empty(plan.NodesNeedingPods);
        Assert.False(plan.IsEmpty);
    }

    [Fact]
    public void Manage_Duplicates_KeepTheOldest()
    {
        var plan = DaemonSetPlanner.Manage(Ds(), [Node("a")], Map(Pod("young", "a", ageSeconds: 10), Pod("old", "a", ageSeconds: 100)), "new", Now);
        Assert.Equal(["young"], plan.PodsToDelete.Select(p => p.Metadata.Name));
    }

    [Fact]
    public void Manage_TerminatingPod_CountsAsPresent_SoNoReplacementYet()
    {
        var plan = DaemonSetPlanner.Manage(Ds(), [Node("a")], Map(Pod("p-a", "a", deleting: true)), "new", Now);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void NodeToPods_GroupsUnboundPodsByPinnedNode_AndDropsDeletedTerminalPods()
    {
        var pinned = DaemonPods.NewPod(Ds(), "b", "new");
        pinned.Metadata.Name = "pinned";
        var map = Map(pinned, Pod("gone", "a", phase: "Succeeded", deleting: true));
        Assert.Equal(["b"], map.Keys);
    }

    [Fact]
    public void RollingUpdate_MaxUnavailableOne_ReplacesOneAvailableOldPodAtATime()
    {
        var nodes = new[] { Node("a"), Node("b"), Node("c") };
        var plan = DaemonSetPlanner.RollingUpdate(Ds(), nodes, Map(Pod("p-a", "a", "old"), Pod("p-b", "b", "old"), Pod("p-c", "c", "old")), "new", Now);
        Assert.Single(plan.PodsToDelete);
        Assert.Empty(plan.NodesNeedingPods);
    }

    [Fact]
    public void RollingUpdate_NewPodNotYetAvailable_WaitsBeforeTheNext()
    {
        var nodes = new[] { Node("a"), Node("b") };
        var plan = DaemonSetPlanner.RollingUpdate(Ds(), nodes, Map(Pod("p-a", "a", "new", ready: false), Pod("p-b", "b", "old")), "new", Now);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void RollingUpdate_NodeWaitingForItsPod_CountsAsUnavailable()
    {
        var nodes = new[] { Node("a"), Node("b") };
        var plan = DaemonSetPlanner.RollingUpdate(Ds(), nodes, Map(Pod("p-b", "b", "old")), "new", Now);
        Assert.True(plan.IsEmpty);
    }

    [Fact]
    public void RollingUpdate_UnavailableOldPods_AreReplacedRegardlessOfTheBudget()
    {
        var nodes = new[] { Node("a"), Node("b"), Node("c") };
        var plan = DaemonSetPlanner.RollingUpdate(Ds(), nodes, Map(Pod("p-a", "a", "old", ready: false), Pod("p-b", "b", "old", ready: false), Pod("p-c", "c", "old")), "new", Now);
        Assert.Equal(["p-a", "p-b"], plan.PodsToDelete.Select(p => p.Metadata.Name).Order());
    }

    [Fact]
    public void RollingUpdate_PercentMaxUnavailable_RoundsUp()
    {
        var ds = Ds();
        ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = "50%";
        var nodes = new[] { Node("a"), Node("b"), Node("c") };
        var plan = DaemonSetPlanner.RollingUpdate(ds, nodes, Map(Pod("p-a", "a", "old"), Pod("p-b", "b", "old"), Pod("p-c", "c", "old")), "new", Now);
        Assert.Equal(2, plan.PodsToDelete.Count);
    }

    [Fact]
    public void RollingUpdate_Surge_CreatesBesideOldPods_UpToMaxSurge()
    {
        var ds = Ds();
        ds.Spec.UpdateStrategy.RollingUpdate = new V1RollingUpdateDaemonSet { MaxSurge = 1, MaxUnavailable = 0 };
        var nodes = new[] { Node("a"), Node("b") };
        var plan = DaemonSetPlanner.RollingUpdate(ds, nodes, Map(Pod("p-a", "a", "old"), Pod("p-b", "b", "old")), "new", Now);
        Assert.Equal(["a"], plan.NodesNeedingPods);
        Assert.Empty(plan.PodsToDelete);
    }

    [Fact]
    public void RollingUpdate_Surge_OldPodGoesOnceTheNewOneIsAvailable()
    {
        var ds = Ds();
        ds.Spec.UpdateStrategy.RollingUpdate = new V1RollingUpdateDaemonSet { MaxSurge = 1, MaxUnavailable = 0 };
        var nodes = new[] { Node("a"), Node("b") };
        var waiting = DaemonSetPlanner.RollingUpdate(ds, nodes, Map(Pod("old-a", "a", "old"), Pod("new-a", "a", "new", ready: false, ageSeconds: 5), Pod("old-b", "b", "old")), "new", Now);
        Assert.True(waiting.IsEmpty);
        var done = DaemonSetPlanner.RollingUpdate(ds, nodes, Map(Pod("old-a", "a", "old"), Pod("new-a", "a", "new", ageSeconds: 5), Pod("old-b", "b", "old")), "new", Now);
        Assert.Equal(["old-a"], done.PodsToDelete.Select(p => p.Metadata.Name));
        Assert.Equal(["b"], done.NodesNeedingPods);
    }

    [Fact]
    public void Manage_Surge_DeletesOldPodOnceNewIsAvailable()
    {
        var ds = Ds();
        ds.Spec.UpdateStrategy.RollingUpdate = new V1RollingUpdateDaemonSet { MaxSurge = 1, MaxUnavailable = 0 };
        var plan = DaemonSetPlanner.Manage(ds, [Node("a")], Map(Pod("old-a", "a", "old"), Pod("new-a", "a", "new", ageSeconds: 5)), "new", Now);
        Assert.Equal(["old-a"], plan.PodsToDelete.Select(p => p.Metadata.Name));
    }

    [Fact]
    public void Status_CountsFromTheOldestPodPerNode()
    {
        var ds = Ds(new V1PodSpec { NodeSelector = new Dictionary<string, string> { ["role"] = "agent" }, Containers = [] });
        ds.Spec.MinReadySeconds = 60;
        var nodes = new[] { Node("a"), Node("b"), Node("c"), Node("web", new() { ["role"] = "web" }) };
        var status = DaemonSetPlanner.Status(ds, nodes, Map(
            Pod("p-a", "a", "new"),
            Pod("p-b", "b", "old", ageSeconds: 60),
            Pod("p-web", "web", "new")), "new", Now);

        Assert.Equal(3, status.DesiredNumberScheduled);
        Assert.Equal(2, status.CurrentNumberScheduled);
        Assert.Equal(1, status.NumberMisscheduled);
        Assert.Equal(2, status.NumberReady);
        Assert.Equal(1, status.NumberAvailable);
        Assert.Equal(2, status.NumberUnavailable);
        Assert.Equal(1, status.UpdatedNumberScheduled);
        Assert.Equal(1, status.ObservedGeneration);
    }
}
