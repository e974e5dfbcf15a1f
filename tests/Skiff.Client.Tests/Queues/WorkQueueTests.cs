using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Queues;

namespace Skiff.Client.Tests.Queues;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task Add_Twice_QueuesOnce()
    {
        var q = new WorkQueue<string>();
        q.Add("a");
        q.Add("a");
        q.Add("b");
        Assert.Equal(2, q.Length);
        Assert.Equal("a", (await q.GetAsync(CancellationToken.None)).Item);
        Assert.Equal("b", (await q.GetAsync(CancellationToken.None)).Item);
    }

    [Fact]
    public async Task ItemBeingProcessed_IsNotHandedOutAgain_UntilDone()
    {
        var q = new WorkQueue<string>();
        q.Add("a");
        var (item, _) = await q.GetAsync(CancellationToken.None);
        q.Add("a");
        Assert.Equal(0, q.Length);

        var second = q.GetAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        q.Done(item);
        Assert.Equal("a", (await second.WaitAsync(TimeSpan.FromSeconds(5))).Item);
    }

    [Fact]
    public async Task Done_WithoutReAdd_DoesNotRequeue()
    {
        var q = new WorkQueue<string>();
        q.Add("a");
        var (item, _) = await q.GetAsync(CancellationToken.None);
        q.Done(item);
        Assert.Equal(0, q.Length);
    }

    [Fact]
    public async Task ShutDown_WakesWaiters_AndRefusesAdds()
    {
        var q = new WorkQueue<string>();
        var waiting = q.GetAsync(CancellationToken.None).AsTask();
        q.ShutDown();
        Assert.True((await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Shutdown);
        q.Add("a");
        Assert.Equal(0, q.Length);
    }

    [Fact]
    public async Task ConcurrentWorkers_NeverHoldTheSameKey()
    {
        var q = new WorkQueue<int>();
        var holding = new HashSet<int>();
        var violations = 0;
        var processed = 0;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (item, shutdown) = await q.GetAsync(CancellationToken.None);
                if (shutdown)
                {
                    return;
                }

                lock (holding)
                {
                    if (!holding.Add(item))
                    {
                        violations++;
                    }
                }

                await Task.Yield();
                lock (holding)
                {
                    holding.Remove(item);
                    processed++;
                }

                q.Done(item);
            }
        })).ToArray();

        for (var i = 0; i < 2000; i++)
        {
            q.Add(i % 5);
        }

        while (q.Length > 0)
        {
            await Task.Yield();
        }

        q.ShutDown();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, violations);
        Assert.True(processed >= 5);
    }

    [Fact]
    public void DelayingQueue_AddAfter_AppearsOnlyWhenTimePasses()
    {
        var time = new FakeTimeProvider();
        var q = new DelayingQueue<string>(time);
        q.AddAfter("a", TimeSpan.FromSeconds(10));
        Assert.Equal(0, q.Length);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, q.Length);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, q.Length);
    }

    [Fact]
    public void DelayingQueue_TwoDelays_KeepsTheEarlier()
    {
        var time = new FakeTimeProvider();
        var q = new DelayingQueue<string>(time);
        q.AddAfter("a", TimeSpan.FromSeconds(10));
        q.AddAfter("a", TimeSpan.FromSeconds(2));
        q.AddAfter("a", TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, q.Length);
        Assert.Equal(0, q.Waiting);
    }

    [Fact]
    public void RateLimitingQueue_AddRateLimited_BacksOffPerItem_AndForgetResets()
    {
        var time = new FakeTimeProvider();
        var q = new RateLimitingQueue<string>(new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), time);
        q.AddRateLimited("a");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, q.Length);
        Assert.Equal(1, q.NumRequeues("a"));

        q.AddRateLimited("b");
        q.AddRateLimited("b");
        Assert.Equal(2, q.NumRequeues("b"));
        q.Forget("b");
        Assert.Equal(0, q.NumRequeues("b"));
    }
}
