using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Tests.Fakes;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler.Tests;

/// <summary>The scheduling loop over fake informers: assume-then-bind, failures, retries on cluster events.</summary>
public sealed class SchedulerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeInformer<V1Namespace> _namespaces = new();
    private readonly FakeEventRecorder _events = new();
    private readonly FakeBinder _binder = new();
    private readonly Scheduler _scheduler;

    public SchedulerTests()
    {
        var plugins = PluginRegistry.Defaults
            .Where(p => p.Name != "DefaultBinder")
            .Select(p => (p.Name, p.Weight))
            .ToList();
        var profile = PluginRegistry.Build(Scheduler.DefaultSchedulerName, plugins, null, 0, new ClientContext(null, new Random(1)));
        var withBinder = new SchedulerProfile(Scheduler.DefaultSchedulerName, profile.Plugins.Values.Append(_binder), PluginRegistry.Defaults.ToDictionary(p => p.Name, p => p.Weight), 0, new Random(1));
        var profiles = new Dictionary<string, SchedulerProfile> { [Scheduler.DefaultSchedulerName] = withBinder };
        var queue = new SchedulingQueue(_time, new SchedulingQueueOptions(), withBinder.EventsFor);
        _scheduler = new Scheduler(new SchedulerCache(), queue, profiles, null, _events, _time, NullLogger.Instance);
        _scheduler.AddEventHandlers(_pods, _nodes, _namespaces);
    }

    private async Task RunQueueAsync()
    {
        while (await _scheduler.ScheduleNextAsync(CancellationToken.None))
        {
        }

        await _scheduler.DrainAsync();
    }

    [Fact]
    public async Task Schedule_BindsToFittingNode_AndRecordsEvent()
    {
        _nodes.Add(Make.Node("small", cpu: "1"));
        _nodes.Add(Make.Node("big", cpu: "8"));
        _pods.Add(Make.Pod("p", cpu: "2"));

        await RunQueueAsync();

        Assert.Equal([("default/p", "big")], _binder.Bound);
        Assert.Contains("Normal Scheduled Successfully assigned default/p to big", _events.Events);
    }

    [Fact]
    public async Task Assume_NextCycleCountsPodBeforeInformerConfirms()
    {
        _nodes.Add(Make.Node("n1", cpu: "2"));
        _nodes.Add(Make.Node("n2", cpu: "2"));
        _pods.Add(Make.Pod("a", cpu: "2"));
        _pods.Add(Make.Pod("b", cpu: "2"));

        await RunQueueAsync();

        // Neither binding reached the informer, yet the second pod did not land on the first one's node.
        Assert.Equal(2, _binder.Bound.Select(b => b.Node).Distinct().Count());
    }

    [Fact]
    public async Task Unschedulable_EventWithUpstreamMessage_RetriedWhenNodeAdded()
    {
        _nodes.Add(Make.Node("n1", cpu: "1"));
        _nodes.Add(Make.Node("tainted", cpu: "8", taints: [new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }]));
        _pods.Add(Make.Pod("p", cpu: "2"));

        await RunQueueAsync();

        Assert.Empty(_binder.Bound);
        Assert.Contains(
            "Warning FailedScheduling 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
            _events.Events);
        Assert.Equal(1, _scheduler.Queue.UnschedulableCount);

        _time.Advance(TimeSpan.FromSeconds(2));
        _nodes.Add(Make.Node("n2", cpu: "4"));
        await RunQueueAsync();

        Assert.Equal([("default/p", "n2")], _binder.Bound);
    }

    [Fact]
    public async Task NoNodes_UpstreamMessage()
    {
        _pods.Add(Make.Pod("p"));
        await RunQueueAsync();
        Assert.Contains("Warning FailedScheduling no nodes available to schedule pods", _events.Events);
    }

    [Fact]
    public async Task OtherSchedulerName_LeftAlone()
    {
        _nodes.Add(Make.Node("n1"));
        _pods.Add(Make.Pod("p").With(p => p.Spec.SchedulerName = "my-scheduler"));
        await RunQueueAsync();
        Assert.Empty(_binder.Bound);
        Assert.Empty(_events.Events);
    }

    [Fact]
    public async Task BoundPodFreed_ByDelete_UnblocksWaitingPod()
    {
        _nodes.Add(Make.Node("n1", cpu: "2"));
        var running = Make.Pod("running", cpu: "2", nodeName: "n1");
        _pods.Add(running);
        _pods.Add(Make.Pod("waiting", cpu: "2"));
        await RunQueueAsync();
        Assert.Empty(_binder.Bound);

        _time.Advance(TimeSpan.FromSeconds(2));
        _pods.Delete(running);
        await RunQueueAsync();

        Assert.Equal([("default/waiting", "n1")], _binder.Bound);
    }

    [Fact]
    public async Task BindFailure_ForgetsAssumption_AndRetriesAfterBackoff()
    {
        _nodes.Add(Make.Node("n1", cpu: "2"));
        _binder.Next = Status.Error("connection refused");
        _pods.Add(Make.Pod("p", cpu: "2"));
        await RunQueueAsync();
        Assert.Empty(_binder.Bound);
        Assert.Equal(1, _scheduler.Queue.BackoffCount);

        _time.Advance(TimeSpan.FromSeconds(1));
        _scheduler.Queue.FlushBackoffCompleted();
        await RunQueueAsync();

        // Had the failed assumption stayed in the cache, n1 would look full.
        Assert.Equal([("default/p", "n1")], _binder.Bound);
    }

    [Fact]
    public async Task Spread_ManyPods_EvenlyOverNodes()
    {
        for (var i = 0; i < 4; i++)
        {
            _nodes.Add(Make.Node("n" + i, cpu: "4", memory: "8Gi"));
        }

        for (var i = 0; i < 40; i++)
        {
            _pods.Add(Make.Pod("p" + i, cpu: "100m", memory: "100Mi"));
        }

        await RunQueueAsync();

        Assert.Equal(40, _binder.Bound.Count);
        Assert.All(_binder.Bound.GroupBy(b => b.Node), g => Assert.Equal(10, g.Count()));
    }
}
