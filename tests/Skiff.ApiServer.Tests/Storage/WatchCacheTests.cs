using System.Text;
using Skiff.ApiServer.Storage;
using Skiff.Storage;

namespace Skiff.ApiServer.Tests.Storage;

public sealed class WatchCacheTests
{
    private sealed class LabelDecoder : IObjectDecoder
    {
        public CachedObject Decode(string key, ReadOnlyMemory<byte> value, long resourceVersion) => new()
        {
            Key = key,
            Namespace = "ns",
            Name = key[(key.LastIndexOf('/') + 1)..],
            ResourceVersion = resourceVersion,
            Json = value.ToArray(),
            Labels = new Dictionary<string, string> { ["v"] = Encoding.UTF8.GetString(value.Span) },
        };
    }

    private static StoreEvent Put(string name, string value, long rev, long create) =>
        new(StoreEventType.Put, new KeyValue("/registry/core/cms/ns/" + name, Encoding.UTF8.GetBytes(value), create, rev), null);

    private static StoreEvent Del(string name, long rev) =>
        new(StoreEventType.Delete, new KeyValue("/registry/core/cms/ns/" + name, Array.Empty<byte>(), 1, rev), null);

    private static WatchCache NewCache(int ring = 4) => new("/registry/core/cms/", new LabelDecoder(), () => 0, ring);

    [Fact]
    public void Watch_FromRevision_ReplaysLaterEventsOnly()
    {
        var cache = NewCache();
        cache.Reset([], 1);
        cache.Apply(Put("a", "x", 2, 2));
        cache.Apply(Put("a", "y", 3, 2));
        cache.Apply(Del("a", 4));
        using var w = cache.Watch(2, _ => true);
        Assert.Equal([CacheEventType.Modified, CacheEventType.Deleted], w.Initial.Select(e => e.Type).ToArray());
        Assert.Equal([3L, 4L], w.Initial.Select(e => e.ResourceVersion).ToArray());
    }

    [Fact]
    public void Watch_OlderThanRing_ThrowsTooOld()
    {
        var cache = NewCache(ring: 2);
        cache.Reset([], 1);
        for (var r = 2; r <= 6; r++)
        {
            cache.Apply(Put("a" + r, "x", r, r));
        }

        Assert.Throws<TooOldResourceVersionException>(() => cache.Watch(2, _ => true));
        using var ok = cache.Watch(4, _ => true);
        Assert.Equal([5L, 6L], ok.Initial.Select(e => e.ResourceVersion).ToArray());
    }

    [Fact]
    public async Task Watch_Filtered_SeesLeavingObjectAsDeleted()
    {
        var cache = NewCache();
        cache.Reset([], 1);
        using var w = cache.Watch(null, o => o.Labels!["v"] == "in");
        cache.Apply(Put("a", "in", 2, 2));
        cache.Apply(Put("a", "out", 3, 2));
        cache.Apply(Put("a", "out2", 4, 2));
        cache.Apply(Put("a", "in", 5, 2));
        var seen = new List<CacheEventType>();
        while (seen.Count < 3)
        {
            seen.Add((await w.Events.ReadAsync()).Type);
        }

        Assert.Equal([CacheEventType.Added, CacheEventType.Deleted, CacheEventType.Added], seen);
    }

    [Fact]
    public void Watch_NoRevision_StartsWithCurrentStateAsAdded()
    {
        var cache = NewCache();
        cache.Reset([], 1);
        cache.Apply(Put("a", "x", 2, 2));
        cache.Apply(Put("b", "x", 3, 3));
        cache.Apply(Del("a", 4));
        using var w = cache.Watch(null, _ => true);
        Assert.Equal(["b"], w.Initial.Select(e => e.Object.Name).ToArray());
        Assert.All(w.Initial, e => Assert.Equal(CacheEventType.Added, e.Type));
        Assert.Equal(4, w.StartRevision);
    }

    [Fact]
    public void SlowWatcher_IsTerminated_NotBlockingOthers()
    {
        var cache = NewCache(ring: 100);
        cache.Reset([], 1);
        var slow = cache.Watch(null, _ => true, capacity: 2);
        for (var r = 2; r < 10; r++)
        {
            cache.Apply(Put("a" + r, "x", r, r));
        }

        Assert.NotNull(slow.TerminationReason);
        Assert.Equal(0, cache.WatcherCount);
    }
}
