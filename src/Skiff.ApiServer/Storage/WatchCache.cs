using System.Collections.Immutable;
using Skiff.Storage;

namespace Skiff.ApiServer.Storage;

/// <summary>
/// The in-memory state of one stored resource (like kube-apiserver's cacher): every object as served JSON,
/// a ring of recent events for watches that resume from a resourceVersion, and the live watchers. Fed by
/// <see cref="CacheDispatcher"/> on one thread; read concurrently through immutable snapshots.
/// </summary>
internal sealed class WatchCache
{
    private readonly object _lock = new();
    private readonly CacheEvent[] _ring;
    private readonly List<CacheWatcher> _watchers = [];
    private readonly Func<long> _progress;
    private ImmutableSortedDictionary<string, CachedObject> _items = ImmutableSortedDictionary.Create<string, CachedObject>(StringComparer.Ordinal);
    private int _ringStart;
    private int _ringCount;
    private long _rv;
    private long _oldestRv;

    /// <param name="prefix">The storage key prefix of the resource.</param>
    /// <param name="decoder">Turns stored bytes into cached objects.</param>
    /// <param name="progress">The dispatcher's revision: every event at or below it has been applied to every cache.</param>
    /// <param name="ringCapacity">How many recent events are kept for resuming watches.</param>
    public WatchCache(string prefix, IObjectDecoder decoder, Func<long> progress, int ringCapacity = 2048)
    {
        Prefix = prefix;
        Decoder = decoder;
        _progress = progress;
        _ring = new CacheEvent[ringCapacity];
    }

    public string Prefix { get; }

    public IObjectDecoder Decoder { get; }

    /// <summary>How many live watchers the cache has (metrics, tests).</summary>
    public int WatcherCount
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>The revision this cache is consistent at: all events up to it are reflected.</summary>
    public long Revision
    {
        get
        {
            lock (_lock)
            {
                return CurrentRevision();
            }
        }
    }

    private long CurrentRevision() => Math.Max(_rv, _progress());

    /// <summary>Replaces the contents after a (re)list at <paramref name="revision"/>; ends every watcher, since their history is gone.</summary>
    public void Reset(IEnumerable<CachedObject> items, long revision)
    {
        lock (_lock)
        {
            _items = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, items.Select(o => KeyValuePair.Create(o.Key, o)));
            _rv = revision;
            _oldestRv = revision;
            _ringStart = 0;
            _ringCount = 0;
            Array.Clear(_ring);
            foreach (var w in _watchers)
            {
                w.Terminate("the cache was reinitialized");
            }

            _watchers.Clear();
        }
    }

    /// <summary>Applies one store event (dispatcher thread only).</summary>
    public void Apply(StoreEvent e)
    {
        var kv = e.Kv;
        CacheEvent ce;
        lock (_lock)
        {
            _items.TryGetValue(kv.Key, out var previous);
            if (e.Type == StoreEventType.Delete)
            {
                // The deleted object is reported with the delete's revision, as etcd-backed watches do.
                var last = previous is not null
                    ? Decoder.Decode(kv.Key, kv.Value.Length > 0 ? kv.Value : previous.Json, e.Revision)
                    : Decoder.Decode(kv.Key, kv.Value, e.Revision);
                _items = _items.Remove(kv.Key);
                ce = new CacheEvent(CacheEventType.Deleted, last, previous, e.Revision);
            }
            else
            {
                var obj = Decoder.Decode(kv.Key, kv.Value, e.Revision);
                _items = _items.SetItem(kv.Key, obj);
                ce = new CacheEvent(previous is null ? CacheEventType.Added : CacheEventType.Modified, obj, previous, e.Revision);
            }

            _rv = e.Revision;
            AppendToRing(ce);
            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (!_watchers[i].Offer(ce))
                {
                    _watchers.RemoveAt(i);
                }
            }
        }
    }

    private void AppendToRing(CacheEvent ce)
    {
        if (_ringCount == _ring.Length)
        {
            _oldestRv = _ring[_ringStart].ResourceVersion;
            _ring[_ringStart] = ce;
            _ringStart = (_ringStart + 1) % _ring.Length;
        }
        else
        {
            _ring[(_ringStart + _ringCount) % _ring.Length] = ce;
            _ringCount++;
        }
    }

    /// <summary>A consistent view of all objects and the revision it reflects.</summary>
    public (ImmutableSortedDictionary<string, CachedObject> Items, long Revision) Snapshot()
    {
        lock (_lock)
        {
            return (_items, CurrentRevision());
        }
    }

    public CachedObject? Get(string key)
    {
        var items = Volatile.Read(ref _items);
        return items.TryGetValue(key, out var o) ? o : null;
    }

    /// <summary>
    /// Starts a watch. With <paramref name="fromRevision"/> null the watcher first gets the current state as ADDED
    /// events; otherwise every event after that revision. Throws <see cref="TooOldResourceVersionException"/>
    /// when the revision is older than the kept history.
    /// </summary>
    public CacheWatcher Watch(long? fromRevision, Func<CachedObject, bool> filter, int capacity = 4096)
    {
        var watcher = new CacheWatcher(this, filter, capacity);
        lock (_lock)
        {
            var current = CurrentRevision();
            if (fromRevision is null)
            {
                var initial = new List<CacheEvent>();
                foreach (var (_, o) in _items)
                {
                    if (filter(o))
                    {
                        initial.Add(new CacheEvent(CacheEventType.Added, o, null, o.ResourceVersion));
                    }
                }

                watcher.Initial = initial;
                watcher.StartRevision = current;
            }
            else
            {
                var from = fromRevision.Value;
                if (from < _oldestRv)
                {
                    throw new TooOldResourceVersionException(from, _oldestRv);
                }

                var replay = new List<CacheEvent>();
                for (var i = 0; i < _ringCount; i++)
                {
                    var e = _ring[(_ringStart + i) % _ring.Length];
                    if (e.ResourceVersion > from && CacheWatcher.Transform(e, filter) is { } t)
                    {
                        replay.Add(t);
                    }
                }

                watcher.Initial = replay;
                watcher.StartRevision = Math.Max(from, current);
            }

            _watchers.Add(watcher);
        }

        return watcher;
    }

    /// <summary>The revision for a bookmark, or null when the watcher still has queued events (a bookmark must not overtake them).</summary>
    public long? BookmarkRevision(CacheWatcher watcher)
    {
        lock (_lock)
        {
            return watcher.Events.Count == 0 ? CurrentRevision() : null;
        }
    }

    internal void Remove(CacheWatcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }
}
