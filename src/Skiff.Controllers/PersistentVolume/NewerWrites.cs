using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.PersistentVolume;

/// <summary>
/// The binder's own writes, kept until the informer catches up (kube-controller-manager's storeObjectUpdate): a bind
/// writes the volume, then the claim, then both statuses, and the next sync must see those writes even if the watch
/// has not delivered them yet, or it would act on a stale object and only earn a conflict. Of a cached and a written
/// copy, the one with the higher resourceVersion (the store's revision) wins.
/// </summary>
internal sealed class NewerWrites<T>(Indexer<T> cache)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> _writes = new(StringComparer.Ordinal);

    /// <summary>Remembers a copy of what the server answered to a write (the caller may go on changing its own); returns it.</summary>
    public T Record(T written)
    {
        _writes[ObjectKey.Of(written)] = Objects.Clone(written);
        return written;
    }

    public T? Get(string key) => Pick(key, cache.Get(key));

    public List<T> List() => cache.List().Select(o => Pick(ObjectKey.Of(o), o)!).ToList();

    private T? Pick(string key, T? cached)
    {
        if (cached is null)
        {
            // Deleted (or never seen): a remembered write is of no use any more.
            _writes.TryRemove(key, out _);
            return null;
        }

        if (!_writes.TryGetValue(key, out var written))
        {
            return cached;
        }

        if (Revision(written) > Revision(cached))
        {
            return written;
        }

        _writes.TryRemove(key, out _);
        return cached;
    }

    private static long Revision(T obj) => long.TryParse(obj.Metadata.ResourceVersion, out var rv) ? rv : 0;
}
