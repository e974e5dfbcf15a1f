namespace Skiff.Client.Queues;

/// <summary>
/// A work queue that can add an item later (client-go's delaying_queue.go), on timers from the injected
/// <see cref="TimeProvider"/>. An item waiting twice keeps the earlier of its two ready times.
/// </summary>
public class DelayingQueue<T>(TimeProvider timeProvider) : WorkQueue<T>
    where T : notnull
{
    private readonly Lock _waitingLock = new();
    private readonly Dictionary<T, (DateTimeOffset ReadyAt, ITimer Timer)> _waiting = [];

    protected TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>How many items wait for their delay to pass.</summary>
    public int Waiting
    {
        get
        {
            lock (_waitingLock)
            {
                return _waiting.Count;
            }
        }
    }

    public void AddAfter(T item, TimeSpan delay)
    {
        if (ShuttingDown)
        {
            return;
        }

        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        var readyAt = TimeProvider.GetUtcNow() + delay;
        lock (_waitingLock)
        {
            if (_waiting.TryGetValue(item, out var existing))
            {
                if (existing.ReadyAt <= readyAt)
                {
                    return;
                }

                existing.Timer.Dispose();
            }

            var timer = TimeProvider.CreateTimer(_ => Fire(item, readyAt), null, delay, Timeout.InfiniteTimeSpan);
            _waiting[item] = (readyAt, timer);
        }
    }

    private void Fire(T item, DateTimeOffset readyAt)
    {
        lock (_waitingLock)
        {
            if (!_waiting.TryGetValue(item, out var entry) || entry.ReadyAt != readyAt)
            {
                return;
            }

            _waiting.Remove(item);
            entry.Timer.Dispose();
        }

        Add(item);
    }

    /// <summary>Stops the queue and drops the items still waiting.</summary>
    public override void ShutDown()
    {
        base.ShutDown();
        lock (_waitingLock)
        {
            foreach (var (_, entry) in _waiting)
            {
                entry.Timer.Dispose();
            }

            _waiting.Clear();
        }
    }
}
