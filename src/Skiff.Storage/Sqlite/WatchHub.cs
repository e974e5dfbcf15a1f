using Microsoft.Extensions.Logging;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// Fans committed events out to live watchers. The writer publishes each batch after its commit, so a watcher
/// never sees a revision that reads cannot see yet. Publishing never blocks: a full watcher is dropped.
/// </summary>
internal sealed partial class WatchHub(ILogger logger)
{
    private readonly Lock _lock = new();

    // Copy-on-write, so the writer walks the array without a lock while watchers come and go.
    private WatchSubscription[] _subscriptions = [];
    private Exception? _closedWith;

    public int Count => Volatile.Read(ref _subscriptions).Length;

    public WatchSubscription Subscribe(string prefix, int capacity)
    {
        var subscription = new WatchSubscription(this, prefix, capacity);
        lock (_lock)
        {
            if (_closedWith is not null)
            {
                subscription.Complete(_closedWith);
                return subscription;
            }

            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    public void Remove(WatchSubscription subscription)
    {
        lock (_lock)
        {
            var index = Array.IndexOf(_subscriptions, subscription);
            if (index < 0)
            {
                return;
            }

            var next = new WatchSubscription[_subscriptions.Length - 1];
            _subscriptions.AsSpan(0, index).CopyTo(next);
            _subscriptions.AsSpan(index + 1).CopyTo(next.AsSpan(index));
            _subscriptions = next;
        }
    }

    /// <summary>Delivers a committed batch, in revision order. Called by the writer only.</summary>
    public void Publish(List<StoreEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            foreach (var e in events)
            {
                if (!e.Kv.Key.StartsWith(subscription.Prefix, StringComparison.Ordinal) || subscription.TryWrite(e))
                {
                    continue;
                }

                Log.WatcherOverflowed(logger, subscription.Prefix, subscription.Capacity, e.Revision);
                subscription.Complete(new WatchOverflowException(subscription.Prefix, e.Revision, subscription.Capacity));
                Remove(subscription);
                break;
            }
        }
    }

    /// <summary>Ends every watch (and any later one) with <paramref name="error"/>.</summary>
    public void Close(Exception error)
    {
        WatchSubscription[] subscriptions;
        lock (_lock)
        {
            _closedWith = error;
            subscriptions = _subscriptions;
            _subscriptions = [];
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Complete(error);
        }
    }

    private static partial class Log
    {
        // Event IDs 40-49 belong to WatchHub; highest in use: 40.
        [LoggerMessage(40, LogLevel.Warning, "Watch on prefix {Prefix} fell more than {Capacity} events behind; closed it before revision {Revision}", EventName = "WatcherOverflowed")]
        public static partial void WatcherOverflowed(ILogger logger, string prefix, int capacity, long revision);
    }
}
