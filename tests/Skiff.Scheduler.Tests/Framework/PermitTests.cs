using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests.Framework;

/// <summary>The Permit extension point: allow, reject, and wait with a timeout, without blocking other pods.</summary>
public sealed class PermitTests
{
    private readonly GatePlugin _gate = new();
    private readonly Harness _h;

    public PermitTests()
    {
        _h = new Harness(_gate);
        _h.Nodes.Add(Make.Node("n1"));
    }

    [Fact]
    public async Task Wait_ThenAllow_Binds_OtherPodsScheduledMeanwhile()
    {
        _h.Pods.Add(Make.Pod("gated", labels: new() { ["gate"] = "wait" }));
        _h.Pods.Add(Make.Pod("free"));

        await _h.ScheduleAllAsync();
        await Task.Yield();

        Assert.Equal([("default/free", "n1")], _h.Binder.Bound);
        var waiting = Assert.Single(_h.Profile.WaitingPods);
        Assert.Equal(("default/gated", "n1"), (waiting.Pod.Key, waiting.NodeName));
        Assert.Equal(["Gate"], waiting.PendingPlugins);

        _h.Profile.GetWaitingPod(waiting.Pod.Uid)!.Allow("Gate");
        await _h.Scheduler.DrainAsync();

        Assert.Contains(("default/gated", "n1"), _h.Binder.Bound);
        Assert.Empty(_h.Profile.WaitingPods);
    }

    [Fact]
    public async Task Wait_TimesOut_Rejected_WithUpstreamMessage()
    {
        _h.Pods.Add(Make.Pod("gated", labels: new() { ["gate"] = "wait" }));
        await _h.ScheduleAllAsync();

        _h.Time.Advance(TimeSpan.FromSeconds(30));
        await _h.Scheduler.DrainAsync();

        Assert.Empty(_h.Binder.Bound);
        Assert.Equal("rejected due to timeout after waiting 30s at plugin Gate", _h.LastFailure());
    }

    [Fact]
    public async Task Wait_RejectedByPlugin()
    {
        _h.Pods.Add(Make.Pod("gated", labels: new() { ["gate"] = "wait" }));
        await _h.ScheduleAllAsync();

        _h.Profile.WaitingPods.Single().Reject("Gate", "quota exceeded");
        await _h.Scheduler.DrainAsync();

        Assert.Empty(_h.Binder.Bound);
        Assert.Equal("quota exceeded", _h.LastFailure());
    }

    [Fact]
    public async Task Deny_Unschedulable_AndResourcesFreed()
    {
        _h.Pods.Add(Make.Pod("denied", cpu: "4", labels: new() { ["gate"] = "deny" }));
        await _h.RunQueueAsync();
        Assert.Equal("denied by gate", _h.LastFailure());

        // The denied pod's assumption was forgotten: a pod needing the whole node fits.
        _h.Pods.Add(Make.Pod("whole", cpu: "4"));
        await _h.RunQueueAsync();
        Assert.Equal([("default/whole", "n1")], _h.Binder.Bound);
    }

    private sealed class GatePlugin : IPermitPlugin
    {
        public string Name => "Gate";

        public Status Permit(CycleState state, PodInfo pod, string nodeName, out TimeSpan timeout)
        {
            timeout = TimeSpan.FromSeconds(30);
            return (pod.Pod.Metadata.Labels is { } l && l.TryGetValue("gate", out var g) ? g : null) switch
            {
                "wait" => new Status(StatusCode.Wait, []),
                "deny" => Status.Unschedulable("denied by gate"),
                _ => Status.Ok,
            };
        }
    }
}
