using k8s.Models;
using Skiff.Scheduler.Plugins.InterPodAffinity;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class InterPodAffinityTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Host = "kubernetes.io/hostname";

    private static V1PodAffinityTerm Term(string app, string topologyKey) => new() { LabelSelector = Make.Selector("app", app), TopologyKey = topologyKey };

    private static V1Pod App(string name, string app) => Make.Pod(name, labels: new() { ["app"] = app });

    private static (Skiff.Scheduler.Framework.NodeInfo A1, Skiff.Scheduler.Framework.NodeInfo A2, Skiff.Scheduler.Framework.NodeInfo B1) Cluster(params (string Node, V1Pod Pod)[] pods)
    {
        V1Pod[] On(string node) => pods.Where(p => p.Node == node).Select(p => p.Pod).ToArray();
        return (
            Make.Info(Make.Node("a1", labels: new() { [Zone] = "a" }), On("a1")),
            Make.Info(Make.Node("a2", labels: new() { [Zone] = "a" }), On("a2")),
            Make.Info(Make.Node("b1", labels: new() { [Zone] = "b" }), On("b1")));
    }

    [Fact]
    public void RequiredAffinity_OnlyNodesInTheMatchingZone()
    {
        var (a1, a2, b1) = Cluster(("a1", App("db", "db")));
        var pod = App("web", "web").With(p => p.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("db", Zone)] } });

        var result = PluginRunner.Filter(new InterPodAffinityPlugin(), pod, a1, a2, b1);

        Assert.Equal("ok", result["a1"]);
        Assert.Equal("ok", result["a2"]);
        Assert.Equal("UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules", result["b1"]);
    }

    [Fact]
    public void RequiredAffinity_FirstPodOfGroupMatchingItself_GoesAnywhere()
    {
        var (a1, a2, b1) = Cluster();
        var pod = App("web-0", "web").With(p => p.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("web", Zone)] } });
        Assert.All(PluginRunner.Filter(new InterPodAffinityPlugin(), pod, a1, a2, b1).Values, v => Assert.Equal("ok", v));
    }

    [Fact]
    public void RequiredAntiAffinity_ByHostname_AvoidsNodesWithMatchingPods()
    {
        var (a1, a2, b1) = Cluster(("a1", App("web-0", "web")));
        var pod = App("web-1", "web").With(p => p.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("web", Host)] } });

        var result = PluginRunner.Filter(new InterPodAffinityPlugin(), pod, a1, a2, b1);

        Assert.Equal("Unschedulable: node(s) didn't match pod anti-affinity rules", result["a1"]);
        Assert.Equal("ok", result["a2"]);
        Assert.Equal("ok", result["b1"]);
    }

    [Fact]
    public void ExistingPodsAntiAffinity_IsRespectedByIncomingPod()
    {
        var guard = App("guard", "guard").With(p => p.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("noisy", Zone)] } });
        var (a1, a2, b1) = Cluster(("a1", guard));

        var result = PluginRunner.Filter(new InterPodAffinityPlugin(), App("n", "noisy"), a1, a2, b1);

        Assert.Equal("Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules", result["a1"]);
        Assert.Equal("Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules", result["a2"]);
        Assert.Equal("ok", result["b1"]);
    }

    [Fact]
    public void Affinity_OtherNamespace_DoesNotCount()
    {
        var (a1, a2, b1) = Cluster(("a1", Make.Pod("db", ns: "other", labels: new() { ["app"] = "db" })), ("b1", App("x", "x")));
        var pod = App("web", "web").With(p => p.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("db", Zone)] } });
        Assert.All(PluginRunner.Filter(new InterPodAffinityPlugin(), pod, a1, a2, b1).Values, v => Assert.StartsWith("UnschedulableAndUnresolvable", v));
    }

    [Fact]
    public void Score_PreferredAffinityAndAntiAffinity_ByZone()
    {
        var (a1, a2, b1) = Cluster(("a1", App("cache", "cache")), ("b1", App("batch", "batch")));
        var pod = App("web", "web").With(p => p.Spec.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity { PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 10, PodAffinityTerm = Term("cache", Zone) }] },
            PodAntiAffinity = new V1PodAntiAffinity { PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 10, PodAffinityTerm = Term("batch", Zone) }] },
        });

        var scores = PluginRunner.Score(new InterPodAffinityPlugin(), pod, a1, a2, b1);

        Assert.Equal(100, scores["a1"]);
        Assert.Equal(100, scores["a2"]);
        Assert.Equal(0, scores["b1"]);
    }
}
