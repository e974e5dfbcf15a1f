using k8s;
using k8s.Models;

namespace Skiff.Client.Cache;

/// <summary>
/// A thread-safe object store with secondary indexes (client-go's tools/cache threadSafeMap and Indexer).
/// Objects are stored as given: callers must copy an object before changing it.
/// </summary>
public sealed class Indexer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IndexFunc<T>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);

    public Indexer()
    {
        AddIndex(Indexers.Namespace, Indexers.ByNamespace);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once.</summary>
    public void AddIndex(string name, IndexFunc<T> func)
    {
        lock (_lock)
        {
            _indexers[name] = func;
            var index = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            _indices[name] = index;
            foreach (var (key, obj) in _items)
            {
                foreach (var value in func(obj))
                {
                    Set(index, value).Add(key);
                }
            }
        }
    }

    /// <summary>Adds or replaces an object; returns the object it replaced, if any.</summary>
    public T? Upsert(T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (_lock)
        {
            _items.TryGetValue(key, out var old);
            if (old is not null)
            {
                Unindex(key, old);
            }

            _items[key] = obj;
            Index(key, obj);
            return old;
        }
    }

    /// <summary>Removes an object by key; returns it if it was there.</summary>
    public T? Remove(string key)
    {
        lock (_lock)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            Unindex(key, old);
            return old;
        }
    }

    /// <summary>Replaces the whole content (a relist); returns what was there before.</summary>
    public Dictionary<string, T> Replace(IEnumerable<T> objects)
    {
        lock (_lock)
        {
            var before = new Dictionary<string, T>(_items, StringComparer.Ordinal);
            _items.Clear();
            foreach (var index in _indices.Values)
            {
                index.Clear();
            }

            foreach (var obj in objects)
            {
                var key = ObjectKey.Of(obj);
                _items[key] = obj;
                Index(key, obj);
            }

            return before;
        }
    }

    public T? Get(string key)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public T? Get(string? ns, string name) => Get(ObjectKey.Of(ns, name));

    public List<T> List()
    {
        lock (_lock)
        {
            return [.. _items.Values];
        }
    }

    public List<string> ListKeys()
    {
        lock (_lock)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>The objects whose index <paramref name="indexName"/> has the value <paramref name="value"/>.</summary>
    public List<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new InvalidOperationException($"index {indexName} does not exist");
            }

            return index.TryGetValue(value, out var keys) ? [.. keys.Select(k => _items[k])] : [];
        }
    }

    public List<T> ListNamespace(string ns) => ByIndex(Indexers.Namespace, ns);

    private void Index(string key, T obj)
    {
        foreach (var (name, func) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in func(obj))
            {
                Set(index, value).Add(key);
            }
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var (name, func) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in func(obj))
            {
                if (index.TryGetValue(value, out var set))
                {
                    set.Remove(key);
                    if (set.Count == 0)
                    {
                        index.Remove(value);
                    }
                }
            }
        }
    }

    private static HashSet<string> Set(Dictionary<string, HashSet<string>> index, string value)
    {
        if (!index.TryGetValue(value, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            index[value] = set;
        }

        return set;
    }
}
