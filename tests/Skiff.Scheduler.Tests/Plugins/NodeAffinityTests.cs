using k8s.Models;
using Skiff.Scheduler.Plugins.NodeAffinity;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class NodeAffinityTests
{
    private const string Mismatch = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";

    private static V1NodeSelectorRequirement Req(string key, string op, params string[] values) => new() { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values };

    public static TheoryData<V1NodeSelectorRequirement[], string> RequiredCases => new()
    {
        { [Req("zone", "In", "a", "b")], "ok" },
        { [Req("zone", "In", "c")], Mismatch },
        { [Req("zone", "NotIn", "c")], "ok" },
        { [Req("zone", "Exists")], "ok" },
        { [Req("gpu", "DoesNotExist")], "ok" },
        { [Req("gpu", "Exists")], Mismatch },
        { [Req("cores", "Gt", "8")], "ok" },
        { [Req("cores", "Lt", "8")], Mismatch },
        { [Req("zone", "In", "a"), Req("cores", "Gt", "64")], Mismatch },
    };

    [Theory]
    [MemberData(nameof(RequiredCases))]
    public void Filter_RequiredAffinity(V1NodeSelectorRequirement[] requirements, string expected)
    {
        var node = Make.Info(Make.Node("n", labels: new() { ["zone"] = "a", ["cores"] = "16" }));
        var pod = Make.Pod("p").With(p => p.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = requirements }] },
            },
        });
        Assert.Equal(expected, PluginRunner.Filter(new NodeAffinityPlugin(), pod, node)["n"]);
    }

    [Fact]
    public void Filter_TermsAreOred_AndMatchFieldsByName()
    {
        var node = Make.Info(Make.Node("n", labels: new() { ["zone"] = "a" }));
        var pod = Make.Pod("p").With(p => p.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm { MatchExpressions = [Req("zone", "In", "z")] },
                        new V1NodeSelectorTerm { MatchFields = [Req("metadata.name", "In", "n")] },
                    ],
                },
            },
        });
        Assert.Equal("ok", PluginRunner.Filter(new NodeAffinityPlugin(), pod, node)["n"]);
    }

    [Theory]
    [InlineData("a", "ok")]
    [InlineData("b", Mismatch)]
    public void Filter_NodeSelector(string zone, string expected)
    {
        var node = Make.Info(Make.Node("n", labels: new() { ["zone"] = "a" }));
        var pod = Make.Pod("p").With(p => p.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = zone });
        Assert.Equal(expected, PluginRunner.Filter(new NodeAffinityPlugin(), pod, node)["n"]);
    }

    [Fact]
    public void Score_PreferredWeights_Normalized()
    {
        var a = Make.Info(Make.Node("a", labels: new() { ["zone"] = "a", ["ssd"] = "true" }));
        var b = Make.Info(Make.Node("b", labels: new() { ["zone"] = "a" }));
        var c = Make.Info(Make.Node("c"));
        var pod = Make.Pod("p").With(p => p.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm { Weight = 20, Preference = new V1NodeSelectorTerm { MatchExpressions = [Req("zone", "In", "a")] } },
                    new V1PreferredSchedulingTerm { Weight = 60, Preference = new V1NodeSelectorTerm { MatchExpressions = [Req("ssd", "Exists")] } },
                ],
            },
        });

        var scores = PluginRunner.Score(new NodeAffinityPlugin(), pod, a, b, c);
        Assert.Equal(100, scores["a"]);
        Assert.Equal(25, scores["b"]);
        Assert.Equal(0, scores["c"]);
    }
}
