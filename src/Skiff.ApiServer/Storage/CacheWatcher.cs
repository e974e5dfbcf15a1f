using System.Threading.Channels;

namespace Skiff.ApiServer.Storage;

/// <summary>
/// One watch on a <see cref="WatchCache"/>: first the <see cref="Initial"/> events (current state or replayed
/// history), then live events from <see cref="Events"/>, already filtered and turned into the transitions the
/// watcher's selector sees (an object leaving the selection is a DELETED event, entering it is ADDED).
/// </summary>
internal sealed class CacheWatcher : IDisposable
{
    private readonly WatchCache _cache;
    private readonly Channel<CacheEvent> _channel;

    public CacheWatcher(WatchCache cache, Func<CachedObject, bool> filter, int capacity)
    {
        _cache = cache;
        Filter = filter;
        _channel = Channel.CreateBounded<CacheEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    }

    public Func<CachedObject, bool> Filter { get; }

    /// <summary>Events to send before the live ones.</summary>
    public IReadOnlyList<CacheEvent> Initial { get; set; } = [];

    /// <summary>The revision the initial events bring the watcher to.</summary>
    public long StartRevision { get; set; }

    public ChannelReader<CacheEvent> Events => _channel.Reader;

    /// <summary>Why the watch was ended by the server (overflow, cache reset), or null.</summary>
    public string? TerminationReason { get; private set; }

    /// <summary>Offers a raw cache event; called under the cache lock. Returns false when the watcher must be dropped.</summary>
    internal bool Offer(CacheEvent e)
    {
        var transformed = Transform(e, Filter);
        if (transformed is null)
        {
            return true;
        }

        if (_channel.Writer.TryWrite(transformed))
        {
            return true;
        }

        Terminate("the watcher fell too far behind");
        return false;
    }

    internal void Terminate(string reason)
    {
        TerminationReason ??= reason;
        _channel.Writer.TryComplete();
    }

    /// <summary>The event a watcher with <paramref name="filter"/> sees for a raw event, or null when it sees none.</summary>
    internal static CacheEvent? Transform(CacheEvent e, Func<CachedObject, bool> filter)
    {
        switch (e.Type)
        {
            case CacheEventType.Added:
                return filter(e.Object) ? e : null;
            case CacheEventType.Deleted:
                return filter(e.Object) ? e : null;
            default:
                var now = filter(e.Object);
                var before = e.Previous is not null && filter(e.Previous);
                return (now, before) switch
                {
                    (true, true) => e,
                    (true, false) => e with { Type = CacheEventType.Added },
                    (false, true) => e with { Type = CacheEventType.Deleted },
                    _ => null,
                };
        }
    }

    public void Dispose() => _cache.Remove(this);
}
