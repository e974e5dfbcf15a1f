using k8s.Models;
using Skiff.Controllers.DaemonSet;
using Skiff.Controllers.History;

namespace Skiff.Controllers.Tests.DaemonSet;

public sealed class DaemonPodsTests
{
    internal static V1Node Node(string name, Dictionary<string, string>? labels = null, params V1Taint[] taints) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["role"] = "agent" } },
        Spec = new V1NodeSpec { Taints = taints.Length == 0 ? null : taints },
    };

    internal static V1DaemonSet Ds(V1PodSpec? spec = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "agent",
            NamespaceProperty = "ns",
            Uid = "ds-uid",
            Generation = 1,
            Annotations = new Dictionary<string, string> { [DaemonPods.TemplateGenerationAnnotation] = "1" },
        },
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "agent" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "agent" } },
                Spec = spec ?? new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "img" }] },
            },
            UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDaemonSet { MaxUnavailable = 1, MaxSurge = 0 } },
        },
    };

    [Fact]
    public void ShouldRun_NodeSelectorMismatch_NeitherRunsNorContinues()
    {
        var ds = Ds(new V1PodSpec { NodeSelector = new Dictionary<string, string> { ["role"] = "db" }, Containers = [] });
        Assert.Equal((false, false), DaemonPods.ShouldRun(Node("n"), ds));
        Assert.Equal((true, true), DaemonPods.ShouldRun(Node("n", new() { ["role"] = "db" }), ds));
    }

    [Fact]
    public void ShouldRun_UntoleratedNoSchedule_DoesNotStartButKeepsRunning()
    {
        var node = Node("n", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" });
        Assert.Equal((false, true), DaemonPods.ShouldRun(node, Ds()));
    }

    [Fact]
    public void ShouldRun_UntoleratedNoExecute_Evicts()
    {
        var node = Node("n", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoExecute" });
        Assert.Equal((false, false), DaemonPods.ShouldRun(node, Ds()));
    }

    [Fact]
    public void ShouldRun_TemplateTolerationMatches_Runs()
    {
        var node = Node("n", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoExecute" });
        var ds = Ds(new V1PodSpec { Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db" }], Containers = [] });
        Assert.Equal((true, true), DaemonPods.ShouldRun(node, ds));
        var wrongValue = Ds(new V1PodSpec { Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "web" }], Containers = [] });
        Assert.Equal((false, false), DaemonPods.ShouldRun(node, wrongValue));
    }

    [Theory]
    [InlineData("node.kubernetes.io/not-ready", "NoExecute")]
    [InlineData("node.kubernetes.io/unreachable", "NoExecute")]
    [InlineData("node.kubernetes.io/unschedulable", "NoSchedule")]
    [InlineData("node.kubernetes.io/disk-pressure", "NoSchedule")]
    [InlineData("node.kubernetes.io/memory-pressure", "NoSchedule")]
    [InlineData("node.kubernetes.io/pid-pressure", "NoSchedule")]
    public void ShouldRun_StandardNodeConditionTaints_AreToleratedByDaemonPods(string key, string effect)
    {
        Assert.Equal((true, true), DaemonPods.ShouldRun(Node("n", null, new V1Taint { Key = key, Effect = effect }), Ds()));
    }

    [Fact]
    public void ShouldRun_NetworkUnavailable_ToleratedOnlyForHostNetwork()
    {
        var node = Node("n", null, new V1Taint { Key = "node.kubernetes.io/network-unavailable", Effect = "NoSchedule" });
        Assert.False(DaemonPods.ShouldRun(node, Ds()).ShouldRun);
        Assert.True(DaemonPods.ShouldRun(node, Ds(new V1PodSpec { HostNetwork = true, Containers = [] })).ShouldRun);
    }

    [Fact]
    public void ShouldRun_RequiredNodeAffinity_TermsOredRequirementsAnded()
    {
        var affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = "In", Values = ["a"] }, new V1NodeSelectorRequirement { Key = "cores", OperatorProperty = "Gt", Values = ["4"] }] },
                        new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = ["special"] }] },
                    ],
                },
            },
        };
        var ds = Ds(new V1PodSpec { Affinity = affinity, Containers = [] });
        Assert.True(DaemonPods.ShouldRun(Node("n", new() { ["zone"] = "a", ["cores"] = "8" }), ds).ShouldRun);
        Assert.False(DaemonPods.ShouldRun(Node("n", new() { ["zone"] = "a", ["cores"] = "2" }), ds).ShouldRun);
        Assert.False(DaemonPods.ShouldRun(Node("n", new() { ["zone"] = "b", ["cores"] = "8" }), ds).ShouldRun);
        Assert.True(DaemonPods.ShouldRun(Node("special", new()), ds).ShouldRun);
    }

    [Fact]
    public void NewPod_PinsToNode_AddsTolerationsAndRevisionLabels()
    {
        var pod = DaemonPods.NewPod(Ds(), "node-1", "hash1");

        Assert.Equal("agent-", pod.Metadata.GenerateName);
        Assert.Equal("hash1", pod.Metadata.Labels[ControllerHistory.RevisionHashLabel]);
        Assert.Equal("1", pod.Metadata.Labels[DaemonPods.TemplateGenerationLabel]);
        Assert.Equal("agent", pod.Metadata.Labels["app"]);
        Assert.Equal(("DaemonSet", "ds-uid", true), (pod.Metadata.OwnerReferences[0].Kind, pod.Metadata.OwnerReferences[0].Uid, pod.Metadata.OwnerReferences[0].Controller!.Value));
        Assert.Null(pod.Spec.NodeName);
        Assert.Equal("node-1", DaemonPods.TargetNode(pod));
        Assert.Contains(pod.Spec.Tolerations, t => t is { Key: "node.kubernetes.io/unreachable", Effect: "NoExecute", OperatorProperty: "Exists", TolerationSeconds: null });
        Assert.DoesNotContain(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/network-unavailable");
    }

    [Fact]
    public void NewPod_ExistingAffinityTerms_KeepExpressions_ReplaceFields()
    {
        var affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = "In", Values = ["a"] }] }],
                },
            },
        };
        var pod = DaemonPods.NewPod(Ds(new V1PodSpec { Affinity = affinity, Containers = [] }), "node-1", "h");
        var term = Assert.Single(pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms);
        Assert.Equal("zone", Assert.Single(term.MatchExpressions).Key);
        Assert.Equal(["node-1"], Assert.Single(term.MatchFields).Values);
    }

    [Fact]
    public void AddDaemonTolerations_ReplacesATolerationOfTheSameKeyAndEffect()
    {
        var spec = new V1PodSpec { Tolerations = [new V1Toleration { Key = "node.kubernetes.io/not-ready", Effect = "NoExecute", OperatorProperty = "Exists", TolerationSeconds = 300 }] };
        DaemonPods.AddDaemonTolerations(spec);
        var t = Assert.Single(spec.Tolerations, t => t.Key == "node.kubernetes.io/not-ready");
        Assert.Null(t.TolerationSeconds);
    }

    [Fact]
    public void IsUpdated_ByHashOrTemplateGeneration()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { [ControllerHistory.RevisionHashLabel] = "h1", [DaemonPods.TemplateGenerationLabel] = "3" } } };
        Assert.True(DaemonPods.IsUpdated(pod, "h1", null));
        Assert.True(DaemonPods.IsUpdated(pod, "h2", 3));
        Assert.False(DaemonPods.IsUpdated(pod, "h2", 4));
    }
}
