using Microsoft.Extensions.Time.Testing;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler.Tests.Queue;

public sealed class SchedulingQueueTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private SchedulingQueue NewQueue() => new(_time, new SchedulingQueueOptions(), plugin => plugin == "NodeResourcesFit" ? ClusterEvent.AssignedPodDelete | ClusterEvent.NodeAdd : ClusterEvent.NodeAdd);

    private static PodInfo Pod(string name, int priority = 0) => new(Make.Pod(name, priority: priority));

    [Fact]
    public void Pop_HigherPriorityFirst_ThenFifo()
    {
        var q = NewQueue();
        q.Add(Pod("low-1"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        q.Add(Pod("high", priority: 100));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        q.Add(Pod("low-2"));

        var order = new List<string>();
        while (q.TryPop(out var p))
        {
            order.Add(p.Pod.Pod.Pod.Metadata.Name);
        }

        Assert.Equal(["high", "low-1", "low-2"], order);
    }

    [Fact]
    public void Unschedulable_MovedOnlyByRegisteredEvent_ThenBacksOff()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        popped.Pod.UnschedulablePlugins.Add("NodeResourcesFit");
        q.AddUnschedulable(popped.Pod, popped.Cycle);
        Assert.Equal(1, q.UnschedulableCount);

        q.OnClusterEvent(ClusterEvent.NodeUpdate);
        Assert.Equal(1, q.UnschedulableCount);

        // The event arrives within the pod's 1 s backoff: it waits in backoff, not active.
        q.OnClusterEvent(ClusterEvent.AssignedPodDelete);
        Assert.Equal(0, q.UnschedulableCount);
        Assert.Equal(1, q.BackoffCount);
        Assert.False(q.TryPop(out _));

        _time.Advance(TimeSpan.FromSeconds(1));
        q.FlushBackoffCompleted();
        Assert.True(q.TryPop(out var again));
        Assert.Equal(2, again.Pod.Attempts);
    }

    [Fact]
    public void MoveRequestDuringCycle_PodGoesToBackoffNotUnschedulable()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        q.OnClusterEvent(ClusterEvent.NodeAdd);
        q.AddUnschedulable(popped.Pod, popped.Cycle);
        Assert.Equal(0, q.UnschedulableCount);
        Assert.Equal(1, q.BackoffCount);
    }

    [Fact]
    public void Backoff_DoublesPerAttempt_CappedAtMax()
    {
        var q = NewQueue();
        Assert.Equal(TimeSpan.FromSeconds(1), q.BackoffFor(1));
        Assert.Equal(TimeSpan.FromSeconds(2), q.BackoffFor(2));
        Assert.Equal(TimeSpan.FromSeconds(8), q.BackoffFor(4));
        Assert.Equal(TimeSpan.FromSeconds(10), q.BackoffFor(5));
        Assert.Equal(TimeSpan.FromSeconds(10), q.BackoffFor(30));
    }

    [Fact]
    public void LeftoverUnschedulable_RetriedAfterFiveMinutes()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        popped.Pod.UnschedulablePlugins.Add("NodeResourcesFit");
        q.AddUnschedulable(popped.Pod, popped.Cycle);

        _time.Advance(TimeSpan.FromMinutes(4));
        q.FlushUnschedulableLeftover();
        Assert.Equal(1, q.UnschedulableCount);

        _time.Advance(TimeSpan.FromMinutes(1));
        q.FlushUnschedulableLeftover();
        Assert.True(q.TryPop(out _));
    }

    [Fact]
    public void StatusOnlyUpdate_KeepsPodUnschedulable_SpecChangeRequeues()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        Assert.True(q.TryPop(out var popped));
        popped.Pod.UnschedulablePlugins.Add("NodeResourcesFit");
        q.AddUnschedulable(popped.Pod, popped.Cycle);
        _time.Advance(TimeSpan.FromSeconds(5));

        q.Update(Pod("p"), relevant: false);
        Assert.Equal(1, q.UnschedulableCount);

        q.Update(Pod("p"), relevant: true);
        Assert.Equal(0, q.UnschedulableCount);
        Assert.True(q.TryPop(out _));
    }

    [Fact]
    public void Delete_RemovesFromEverySubQueue()
    {
        var q = NewQueue();
        q.Add(Pod("p"));
        q.Delete("default/p");
        Assert.False(q.TryPop(out _));
    }

    [Fact]
    public async Task PopAsync_WaitsForAdd()
    {
        var q = NewQueue();
        var pop = q.PopAsync(CancellationToken.None);
        Assert.False(pop.IsCompleted);
        q.Add(Pod("p"));
        var (pod, _) = await pop.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal("default/p", pod.Key);
    }
}
