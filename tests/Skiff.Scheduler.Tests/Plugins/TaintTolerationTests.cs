using k8s.Models;
using Skiff.Scheduler.Plugins.TaintToleration;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class TaintTolerationTests
{
    public static TheoryData<string, string?, string, string?, string, string> Cases => new()
    {
        // taint effect, taint value, toleration operator, toleration value, toleration effect, expected
        { "NoSchedule", "gpu", "Equal", "gpu", "NoSchedule", "ok" },
        { "NoSchedule", "gpu", "Equal", "cpu", "NoSchedule", "UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: gpu}" },
        { "NoSchedule", "gpu", "Exists", null, "", "ok" },
        { "NoExecute", "gpu", "Exists", null, "NoSchedule", "UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: gpu}" },
        { "PreferNoSchedule", "gpu", "Equal", "other", "", "ok" },
        { "NoSchedule", null, "Exists", null, "NoSchedule", "ok" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filter_TaintsAgainstTolerations(string effect, string? value, string op, string? tolerationValue, string tolerationEffect, string expected)
    {
        var node = Make.Info(Make.Node("n", taints: [new V1Taint { Key = "dedicated", Value = value, Effect = effect }]));
        var pod = Make.Pod("p").With(p => p.Spec.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = op, Value = tolerationValue, Effect = tolerationEffect }]);
        Assert.Equal(expected, PluginRunner.Filter(new TaintTolerationPlugin(), pod, node)["n"]);
    }

    [Fact]
    public void Filter_EmptyKeyExists_ToleratesEverything()
    {
        var node = Make.Info(Make.Node("n", taints: [new V1Taint { Key = "a", Value = "b", Effect = "NoSchedule" }]));
        var pod = Make.Pod("p").With(p => p.Spec.Tolerations = [new V1Toleration { OperatorProperty = "Exists" }]);
        Assert.Equal("ok", PluginRunner.Filter(new TaintTolerationPlugin(), pod, node)["n"]);
    }

    [Fact]
    public void Score_FewerPreferNoScheduleTaints_ScoresHigher()
    {
        static V1Taint Prefer(string key) => new() { Key = key, Value = "v", Effect = "PreferNoSchedule" };
        var clean = Make.Info(Make.Node("clean"));
        var one = Make.Info(Make.Node("one", taints: [Prefer("a")]));
        var two = Make.Info(Make.Node("two", taints: [Prefer("a"), Prefer("b")]));
        var tolerated = Make.Info(Make.Node("tolerated", taints: [Prefer("c")]));
        var pod = Make.Pod("p").With(p => p.Spec.Tolerations = [new V1Toleration { Key = "c", OperatorProperty = "Exists", Effect = "PreferNoSchedule" }]);

        var scores = PluginRunner.Score(new TaintTolerationPlugin(), pod, clean, one, two, tolerated);

        Assert.Equal(100, scores["clean"]);
        Assert.Equal(50, scores["one"]);
        Assert.Equal(0, scores["two"]);
        Assert.Equal(100, scores["tolerated"]);
    }
}
