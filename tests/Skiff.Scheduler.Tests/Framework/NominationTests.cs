using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests.Framework;

/// <summary>Nominated node handling: a preemptor's room is held against lower-priority pods until it binds.</summary>
public sealed class NominationTests
{
    private readonly Harness _h = new();

    [Fact]
    public async Task Preemptor_Nominated_LowerPriorityPodCannotTakeItsRoom()
    {
        _h.Nodes.Add(Make.Node("n1", cpu: "2"));
        var victim = Make.Pod("victim", cpu: "2", nodeName: "n1", priority: 0);
        _h.Pods.Add(victim);
        _h.Pods.Add(Make.Pod("urgent", cpu: "2", priority: 100));

        await _h.RunQueueAsync();

        Assert.Contains(_h.Api.Requests, r => r.Method == "DELETE" && r.Path == "/api/v1/namespaces/default/pods/victim");
        Assert.Equal("n1", _h.Scheduler.Nominator.NodeOf("uid-default-urgent"));

        // The victim goes; before the preemptor's retry, a lower-priority pod arrives and must not take n1.
        _h.Pods.Delete(victim);
        _h.Pods.Add(Make.Pod("mid", cpu: "2", priority: 50));
        await _h.RunQueueAsync();
        Assert.Empty(_h.Binder.Bound);
        Assert.StartsWith("0/1 nodes are available: 1 Insufficient cpu.", _h.LastFailure(), StringComparison.Ordinal);

        _h.Time.Advance(TimeSpan.FromSeconds(2));
        _h.Scheduler.Queue.FlushBackoffCompleted();
        await _h.RunQueueAsync();

        Assert.Equal([("default/urgent", "n1")], _h.Binder.Bound);
        Assert.Null(_h.Scheduler.Nominator.NodeOf("uid-default-urgent"));
    }

    [Fact]
    public void Nominator_RespectsOnlyEqualOrHigherPriority_AndNotItself()
    {
        var nominator = new Nominator();
        var high = new PodInfo(Make.Pod("high", priority: 100));
        var low = new PodInfo(Make.Pod("low", priority: 1));
        nominator.Nominate(high, "n1");
        nominator.Nominate(low, "n1");

        Assert.Equal(["high"], nominator.ToRespect(new PodInfo(Make.Pod("p", priority: 100)), "n1")!.Select(p => p.Pod.Metadata.Name));
        Assert.Equal(["high", "low"], nominator.ToRespect(new PodInfo(Make.Pod("p", priority: 0)), "n1")!.Select(p => p.Pod.Metadata.Name));
        Assert.Null(nominator.ToRespect(high, "n1"));
        Assert.Null(nominator.ToRespect(low, "n2"));

        // status.nominatedNodeName from the informer moves it; binding removes it.
        nominator.Update(Make.Pod("high", priority: 100).With(p => p.Status.NominatedNodeName = "n2"), deletedOrAssigned: false);
        Assert.Equal("n2", nominator.NodeOf(high.Uid));
        nominator.Update(Make.Pod("high", priority: 100, nodeName: "n2"), deletedOrAssigned: true);
        Assert.Null(nominator.NodeOf(high.Uid));
    }

    [Fact]
    public async Task NominatedPods_CountForTheIncomingPodsAntiAffinity()
    {
        // n1 is the roomier node, so without the nominated pod counting there the new pod would go to n1.
        _h.Nodes.Add(Make.Node("n1", cpu: "8"));
        _h.Nodes.Add(Make.Node("n2", cpu: "2"));
        _h.Scheduler.Nominator.Nominate(new PodInfo(Make.Pod("db", priority: 100, labels: new() { ["app"] = "db" })), "n1");

        _h.Pods.Add(Make.Pod("noisy", cpu: "1").With(p => p.Spec.Affinity = new k8s.Models.V1Affinity
        {
            PodAntiAffinity = new k8s.Models.V1PodAntiAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = [new k8s.Models.V1PodAffinityTerm { LabelSelector = Make.Selector("app", "db"), TopologyKey = "kubernetes.io/hostname" }],
            },
        }));
        await _h.RunQueueAsync();

        Assert.Equal([("default/noisy", "n2")], _h.Binder.Bound);
    }

    [Fact]
    public async Task NominatedPods_CountInTopologySpread()
    {
        const string zone = "topology.kubernetes.io/zone";
        _h.Nodes.Add(Make.Node("a", cpu: "8", labels: new() { [zone] = "a" }));
        _h.Nodes.Add(Make.Node("b", cpu: "2", labels: new() { [zone] = "b" }));
        _h.Scheduler.Nominator.Nominate(new PodInfo(Make.Pod("web-0", priority: 100, labels: new() { ["app"] = "web" })), "a");

        // Zone a already holds the nominated web pod, so maxSkew 1 sends the next one to b despite a's room.
        _h.Pods.Add(Make.Pod("web-1", cpu: "1", labels: new() { ["app"] = "web" }).With(p => p.Spec.TopologySpreadConstraints =
        [
            new k8s.Models.V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = zone, WhenUnsatisfiable = "DoNotSchedule", LabelSelector = Make.Selector("app", "web") },
        ]));
        await _h.RunQueueAsync();

        Assert.Equal([("default/web-1", "b")], _h.Binder.Bound);
    }
}
