using Skiff.Scheduler.Plugins.NodeResources;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class NodeResourcesFitTests
{
    public static TheoryData<string?, string?, string, string, string, string> FilterCases => new()
    {
        // pod cpu, pod memory, node cpu, node memory, node pods, expected
        { "1", "1Gi", "4", "8Gi", "110", "ok" },
        { "5", null, "4", "8Gi", "110", "Unschedulable: Insufficient cpu" },
        { null, "9Gi", "4", "8Gi", "110", "Unschedulable: Insufficient memory" },
        { "5", "9Gi", "4", "8Gi", "110", "Unschedulable: Insufficient cpu; Insufficient memory" },
        { null, null, "4", "8Gi", "1", "Unschedulable: Too many pods" },
        { "3500m", null, "4", "8Gi", "110", "Unschedulable: Insufficient cpu" }, // 1 cpu already used below
        { "3", null, "4", "8Gi", "110", "ok" },
        { null, null, "0", "0", "110", "ok" }, // best-effort pods need only a pod slot
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter_Requests_AgainstAllocatableMinusRequested(string? cpu, string? memory, string nodeCpu, string nodeMemory, string nodePods, string expected)
    {
        var node = Make.Info(Make.Node("n", nodeCpu, nodeMemory, nodePods), Make.Pod("existing", cpu: "1", memory: null));
        var result = PluginRunner.Filter(new NodeResourcesFitPlugin(), Make.Pod("p", cpu, memory), node);
        Assert.Equal(expected, result["n"]);
    }

    [Fact]
    public void Filter_ExtendedAndEphemeralStorage_Insufficient()
    {
        var node = Make.Info(Make.Node("n", extended: new() { ["example.com/gpu"] = "1" }));
        var pod = Make.Pod("p").With(p =>
        {
            p.Spec.Containers[0].Resources.Requests["example.com/gpu"] = new k8s.Models.ResourceQuantity("2");
            p.Spec.Containers[0].Resources.Requests["ephemeral-storage"] = new k8s.Models.ResourceQuantity("200Gi");
        });
        Assert.Equal("Unschedulable: Insufficient ephemeral-storage; Insufficient example.com/gpu", PluginRunner.Filter(new NodeResourcesFitPlugin(), pod, node)["n"]);
    }

    [Fact]
    public void Filter_InitContainerLargerThanContainers_Counts()
    {
        var node = Make.Info(Make.Node("n", cpu: "2"));
        var pod = Make.Pod("p", cpu: "1").With(p => p.Spec.InitContainers = [new k8s.Models.V1Container { Name = "init", Resources = new() { Requests = new Dictionary<string, k8s.Models.ResourceQuantity> { ["cpu"] = new("3") } } }]);
        Assert.Equal("Unschedulable: Insufficient cpu", PluginRunner.Filter(new NodeResourcesFitPlugin(), pod, node)["n"]);
    }

    [Fact]
    public void Score_LeastAllocated_PrefersEmptierNode()
    {
        var empty = Make.Info(Make.Node("empty", cpu: "4", memory: "4Gi"));
        var busy = Make.Info(Make.Node("busy", cpu: "4", memory: "4Gi"), Make.Pod("x", cpu: "2", memory: "2Gi"));
        var scores = PluginRunner.Score(new NodeResourcesFitPlugin(), Make.Pod("p", cpu: "1", memory: "1Gi"), empty, busy);

        // (4-1)/4 = 75 for both resources on the empty node; (4-3)/4 = 25 on the busy one.
        Assert.Equal(75, scores["empty"]);
        Assert.Equal(25, scores["busy"]);
    }

    [Fact]
    public void Score_MostAllocated_PrefersFullerNode()
    {
        var empty = Make.Info(Make.Node("empty", cpu: "4", memory: "4Gi"));
        var busy = Make.Info(Make.Node("busy", cpu: "4", memory: "4Gi"), Make.Pod("x", cpu: "2", memory: "2Gi"));
        var scores = PluginRunner.Score(new NodeResourcesFitPlugin(ScoringStrategy.MostAllocated), Make.Pod("p", cpu: "1", memory: "1Gi"), empty, busy);
        Assert.Equal(25, scores["empty"]);
        Assert.Equal(75, scores["busy"]);
    }

    [Fact]
    public void Score_NoRequests_UsesNonZeroDefaults()
    {
        // 100m of 1 cpu and 200Mi of 1000Mi: (900/1000 + 800/1000) / 2 → (90 + 80) / 2 = 85.
        var node = Make.Info(Make.Node("n", cpu: "1", memory: "1000Mi"));
        Assert.Equal(85, PluginRunner.Score(new NodeResourcesFitPlugin(), Make.Pod("p"), node)["n"]);
    }

    [Theory]
    [InlineData("1", "1Gi", 100)] // 25% and 25%: perfectly balanced
    [InlineData("2", "1Gi", 87)] // 50% vs 25%: std 0.125
    [InlineData("4", "0", 50)] // 100% vs 0%: std 0.5
    public void BalancedAllocation_Score(string cpu, string memory, long expected)
    {
        var node = Make.Info(Make.Node("n", cpu: "4", memory: "4Gi"));
        Assert.Equal(expected, PluginRunner.Score(new BalancedAllocationPlugin(), Make.Pod("p", cpu, memory), node)["n"]);
    }
}
