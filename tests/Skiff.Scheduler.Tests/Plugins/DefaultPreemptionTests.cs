using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.DefaultPreemption;
using Skiff.Scheduler.Plugins.NodeResources;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class DefaultPreemptionTests
{
    private static (DefaultPreemptionPlugin Plugin, SchedulerProfile Profile) Build()
    {
        SchedulerProfile? profile = null;
        var plugin = new DefaultPreemptionPlugin(() => profile!, null);
        profile = new SchedulerProfile("default-scheduler", [new NodeResourcesFitPlugin(), plugin], new Dictionary<string, int>(), 0, new Random(1));
        return (plugin, profile);
    }

    [Fact]
    public async Task PostFilter_NominatesNodeWithLowestPriorityVictims_AndReprievesWhatItCan()
    {
        var (plugin, _) = Build();
        var n1 = Make.Info(Make.Node("n1", cpu: "4"), Make.Pod("mid", cpu: "2", priority: 50), Make.Pod("low", cpu: "2", priority: 10));
        var n2 = Make.Info(Make.Node("n2", cpu: "4"), Make.Pod("low-a", cpu: "1", priority: 1), Make.Pod("low-b", cpu: "1", priority: 1), Make.Pod("high", cpu: "2", priority: 1000));
        var pod = new PodInfo(Make.Pod("urgent", cpu: "2", priority: 100));
        var statuses = new Dictionary<string, Status> { ["n1"] = Status.Unschedulable("Insufficient cpu"), ["n2"] = Status.Unschedulable("Insufficient cpu") };

        var result = await plugin.PostFilterAsync(new CycleState(), pod, new Snapshot([n1, n2]), statuses, CancellationToken.None);

        // n2's victims (priority 1) are less important than n1's (priority 10), even though n2 needs two.
        Assert.Equal("n2", result.NominatedNodeName);
        Assert.Equal(["low-a", "low-b"], plugin.SelectVictims(pod, n2, new Snapshot([n1, n2]))!.Select(v => v.Pod.Metadata.Name).Order());
        Assert.Equal(["low"], plugin.SelectVictims(pod, n1, new Snapshot([n1, n2]))!.Select(v => v.Pod.Metadata.Name));
    }

    [Fact]
    public async Task PostFilter_NoCandidates_UpstreamMessage()
    {
        var (plugin, _) = Build();
        var n1 = Make.Info(Make.Node("n1", cpu: "1"), Make.Pod("same", cpu: "1", priority: 100));
        var n2 = Make.Info(Make.Node("n2"));
        var pod = new PodInfo(Make.Pod("p", cpu: "2", priority: 100));
        var statuses = new Dictionary<string, Status> { ["n1"] = Status.Unschedulable("Insufficient cpu"), ["n2"] = Status.Unresolvable("node(s) were unschedulable") };

        var result = await plugin.PostFilterAsync(new CycleState(), pod, new Snapshot([n1, n2]), statuses, CancellationToken.None);

        Assert.Null(result.NominatedNodeName);
        Assert.Equal("preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.", result.Message);
    }

    [Fact]
    public async Task PostFilter_PreemptionPolicyNever()
    {
        var (plugin, _) = Build();
        var pod = new PodInfo(Make.Pod("p", priority: 100).With(p => p.Spec.PreemptionPolicy = "Never"));
        var result = await plugin.PostFilterAsync(new CycleState(), pod, new Snapshot([]), new Dictionary<string, Status>(), CancellationToken.None);
        Assert.Equal("preemption: not eligible due to preemptionPolicy=Never.", result.Message);
    }
}
