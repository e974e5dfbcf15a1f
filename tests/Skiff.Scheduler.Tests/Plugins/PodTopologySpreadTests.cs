using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.PodTopologySpread;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class PodTopologySpreadTests
{
    private const string Zone = "topology.kubernetes.io/zone";

    private static V1Pod Web(string name) => Make.Pod(name, labels: new() { ["app"] = "web" });

    private static V1Pod Spread(int maxSkew, string when = "DoNotSchedule", int? minDomains = null, string? nodeAffinityPolicy = null) => Web("new").With(p => p.Spec.TopologySpreadConstraints =
    [
        new V1TopologySpreadConstraint { MaxSkew = maxSkew, TopologyKey = Zone, WhenUnsatisfiable = when, LabelSelector = Make.Selector("app", "web"), MinDomains = minDomains, NodeAffinityPolicy = nodeAffinityPolicy },
    ]);

    private static NodeInfo[] Zones(int inA, int inB)
    {
        return
        [
            Make.Info(Make.Node("a1", labels: new() { [Zone] = "a" }), Enumerable.Range(0, inA).Select(i => Web("a" + i)).ToArray()),
            Make.Info(Make.Node("b1", labels: new() { [Zone] = "b" }), Enumerable.Range(0, inB).Select(i => Web("b" + i)).ToArray()),
            Make.Info(Make.Node("nolabel")),
        ];
    }

    public static TheoryData<int, int, int, string, string> SkewCases => new()
    {
        // pods in a, pods in b, maxSkew, a1, b1
        { 0, 0, 1, "ok", "ok" },
        { 1, 0, 1, "Unschedulable: node(s) didn't match pod topology spread constraints", "ok" },
        { 2, 1, 1, "Unschedulable: node(s) didn't match pod topology spread constraints", "ok" },
        { 2, 1, 2, "ok", "ok" },
        { 3, 0, 2, "Unschedulable: node(s) didn't match pod topology spread constraints", "ok" },
    };

    [Theory]
    [MemberData(nameof(SkewCases))]
    public void Filter_MaxSkew(int inA, int inB, int maxSkew, string a1, string b1)
    {
        var result = PluginRunner.Filter(new PodTopologySpreadPlugin(), Spread(maxSkew), Zones(inA, inB));
        Assert.Equal(a1, result["a1"]);
        Assert.Equal(b1, result["b1"]);
        Assert.Equal("UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)", result["nolabel"]);
    }

    [Fact]
    public void Filter_MinDomainsNotMet_GlobalMinimumIsZero()
    {
        // Two zones exist but minDomains is 3: the minimum counts as 0, so a zone with 1 pod is already at skew 2.
        var result = PluginRunner.Filter(new PodTopologySpreadPlugin(), Spread(1, minDomains: 3), Zones(1, 1));
        Assert.StartsWith("Unschedulable", result["a1"]);
        Assert.StartsWith("Unschedulable", result["b1"]);
    }

    [Fact]
    public void Filter_NodeAffinityHonored_ExcludedZoneDoesNotLowerMinimum()
    {
        var pod = Spread(1).With(p => p.Spec.NodeSelector = new Dictionary<string, string> { [Zone] = "a" });
        var result = PluginRunner.Filter(new PodTopologySpreadPlugin(), pod, Zones(3, 0));
        Assert.Equal("ok", result["a1"]);
    }

    [Fact]
    public void Filter_NodeAffinityIgnored_ExcludedZoneCounts()
    {
        var pod = Spread(1, nodeAffinityPolicy: "Ignore").With(p => p.Spec.NodeSelector = new Dictionary<string, string> { [Zone] = "a" });
        var result = PluginRunner.Filter(new PodTopologySpreadPlugin(), pod, Zones(3, 0));
        Assert.StartsWith("Unschedulable", result["a1"]);
    }

    [Fact]
    public void Score_ScheduleAnyway_PrefersEmptierDomain()
    {
        var scores = PluginRunner.Score(new PodTopologySpreadPlugin(), Spread(1, "ScheduleAnyway"), Zones(4, 1));
        Assert.True(scores["b1"] > scores["a1"]);
        Assert.Equal(100, scores["b1"]);
        Assert.Equal(0, scores["nolabel"]);
    }

    [Fact]
    public void SystemDefaults_SpreadAReplicaSetsPodsOverHosts_NodesWithoutZoneStillScored()
    {
        var listers = new SchedulerListers();
        listers.ReplicaSets.Upsert(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1ReplicaSetSpec { Selector = Make.Selector("app", "web") },
        });
        var plugin = PodTopologySpreadPlugin.WithSystemDefaults(listers);
        var busy = Make.Info(Make.Node("busy"), Web("w0"), Web("w1"));
        var idle = Make.Info(Make.Node("idle"));

        var web = PluginRunner.Score(plugin, Web("w2"), busy, idle);
        var other = PluginRunner.Score(plugin, Make.Pod("x", labels: new() { ["app"] = "other" }), busy, idle);

        // Neither node has a zone label; the hostname constraint alone prefers the node without web pods.
        Assert.True(web["idle"] > web["busy"], $"idle {web["idle"]}, busy {web["busy"]}");
        Assert.Equal(other["idle"], other["busy"]);
    }

    [Fact]
    public void SystemDefaults_DoNotFilter()
    {
        var listers = new SchedulerListers();
        listers.ReplicaSets.Upsert(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1ReplicaSetSpec { Selector = Make.Selector("app", "web") },
        });

        var result = PluginRunner.Filter(PodTopologySpreadPlugin.WithSystemDefaults(listers), Web("w9"), Make.Info(Make.Node("busy"), Web("w0"), Web("w1"), Web("w2"), Web("w3")), Make.Info(Make.Node("idle")));

        Assert.Equal(["ok", "ok"], [result["busy"], result["idle"]]);
    }
}
