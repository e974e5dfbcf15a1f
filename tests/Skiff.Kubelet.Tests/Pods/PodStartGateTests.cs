using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Pods;

public class PodStartGateTests
{
    private static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EnterAsync_AllSlotsTaken_WaitsUntilOneIsGivenBack()
    {
        var gate = new PodStartGate(2, HoldLimit, new FakeTimeProvider());
        var first = await gate.EnterAsync(CancellationToken.None);
        using var second = await gate.EnterAsync(CancellationToken.None);

        var third = gate.EnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);

        first.Dispose();
        using var entered = await third.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, gate.Free);
    }

    [Fact]
    public async Task EnterAsync_WaitersAreServedInArrivalOrder()
    {
        var gate = new PodStartGate(1, HoldLimit, new FakeTimeProvider());
        var holder = await gate.EnterAsync(CancellationToken.None);
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 3).Select(async i =>
        {
            using var slot = await gate.EnterAsync(CancellationToken.None);
            lock (order)
            {
                order.Add(i);
            }
        }).ToList();

        holder.Dispose();
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([0, 1, 2], order);
    }

    [Fact]
    public async Task Dispose_Twice_GivesTheSlotBackOnce()
    {
        var gate = new PodStartGate(2, HoldLimit, new FakeTimeProvider());
        var slot = await gate.EnterAsync(CancellationToken.None);
        slot.Dispose();
        slot.Dispose();
        Assert.Equal(2, gate.Free);
    }

    [Fact]
    public async Task Slot_HeldPastTheLimit_IsHandedToTheNextPod()
    {
        var time = new FakeTimeProvider();
        var gate = new PodStartGate(1, HoldLimit, time);
        var stuck = await gate.EnterAsync(CancellationToken.None);
        var next = gate.EnterAsync(CancellationToken.None);

        time.Advance(HoldLimit - TimeSpan.FromSeconds(1));
        Assert.False(next.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        using var entered = await next.WaitAsync(TimeSpan.FromSeconds(30));

        // The stuck start finishing late must not free a slot it no longer holds.
        stuck.Dispose();
        Assert.Equal(0, gate.Free);
    }

    [Fact]
    public async Task Slot_GivenBackInTime_DoesNotExpireLater()
    {
        var time = new FakeTimeProvider();
        var gate = new PodStartGate(1, HoldLimit, time);
        (await gate.EnterAsync(CancellationToken.None)).Dispose();
        time.Advance(HoldLimit / 2);
        using var second = await gate.EnterAsync(CancellationToken.None);

        // The first slot's limit passes while the second is held: nothing may be given back twice.
        time.Advance(HoldLimit / 2);
        Assert.Equal(0, gate.Free);
    }

    [Fact]
    public async Task EnterAsync_Cancelled_TakesNoSlot()
    {
        var gate = new PodStartGate(1, HoldLimit, new FakeTimeProvider());
        var holder = await gate.EnterAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = gate.EnterAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        holder.Dispose();
        Assert.Equal(1, gate.Free);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task EnterAsync_NoLimit_NeverWaits(int slots)
    {
        var gate = new PodStartGate(slots, HoldLimit, new FakeTimeProvider());
        var held = new List<IDisposable>();
        for (var i = 0; i < 100; i++)
        {
            var entering = gate.EnterAsync(CancellationToken.None);
            Assert.True(entering.IsCompletedSuccessfully);
            held.Add(await entering);
        }

        held.ForEach(h => h.Dispose());
        Assert.Equal(int.MaxValue, gate.Free);
    }
}
