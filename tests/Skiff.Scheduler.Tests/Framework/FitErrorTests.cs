using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests.Framework;

public sealed class FitErrorTests
{
    [Fact]
    public void Message_HistogramSortedAsStrings_WithPostFilterText()
    {
        var result = new FilterResult();
        result.NodeStatuses["n1"] = Status.Unschedulable("Insufficient cpu");
        result.NodeStatuses["n2"] = Status.Unresolvable("node(s) had untolerated taint {dedicated: gpu}");
        result.NodeStatuses["n3"] = Status.Unresolvable("node(s) had untolerated taint {dedicated: gpu}");

        var message = FitError.Message(3, result, "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.");

        Assert.Equal(
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
            message);
    }

    [Fact]
    public void Message_NodeWithSeveralReasons_CountsEach()
    {
        var result = new FilterResult();
        result.NodeStatuses["n1"] = Status.Unschedulable("Insufficient cpu", "Insufficient memory");
        result.NodeStatuses["n2"] = Status.Unschedulable("Insufficient memory");

        Assert.Equal("0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.", FitError.Message(2, result, null));
    }

    [Fact]
    public void Message_PreFilterRejection_ReplacesHistogram()
    {
        var result = new FilterResult { PreFilterStatus = Status.Unresolvable("node(s) didn't match pod affinity rules") };
        Assert.Equal("0/5 nodes are available: node(s) didn't match pod affinity rules.", FitError.Message(5, result, null));
    }
}
