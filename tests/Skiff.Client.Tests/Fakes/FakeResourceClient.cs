using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Client.Tests.Fakes;

/// <summary>
/// An in-memory resource client with the API server's write rules that controllers rely on: resourceVersion
/// conflicts on PUT, AlreadyExists on create, generateName, merge patches, and a log of every call.
/// </summary>
public sealed class FakeResourceClient<T>(ApiResource resource) : IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _objects = new(StringComparer.Ordinal);
    private int _rv = 100;
    private int _names;

    public ApiResource Resource { get; } = resource;

    /// <summary>Every write, as "verb key" (e.g. "create ns/name", "patch ns/name", "status ns/name").</summary>
    public List<string> Calls { get; } = [];

    public List<string> Patches { get; } = [];

    public List<V1DeleteOptions?> DeleteOptions { get; } = [];

    /// <summary>Makes the next creates fail with this exception.</summary>
    public Func<T, Exception?>? FailCreate { get; set; }

    public IReadOnlyList<T> Objects
    {
        get
        {
            lock (_lock)
            {
                return [.. _objects.Values];
            }
        }
    }

    public T Seed(T obj)
    {
        lock (_lock)
        {
            obj.Metadata.Uid ??= Guid.NewGuid().ToString();
            obj.Metadata.ResourceVersion = (++_rv).ToString();
            _objects[ObjectKey.Of(obj)] = obj;
            return obj;
        }
    }

    public Task<ObjectList<T>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var items = _objects.Values.Where(o => ns is null || o.Metadata.NamespaceProperty == ns).Select(Clone).ToList();
            return Task.FromResult(new ObjectList<T> { Items = items, Metadata = new V1ListMeta { ResourceVersion = _rv.ToString() } });
        }
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? ns, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }

    public Task<T> GetAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(ObjectKey.Of(ns, name), out var o) ? Task.FromResult(Clone(o)) : throw NotFound(name);
        }
    }

    public Task<T> CreateAsync(T obj, CancellationToken cancellationToken)
    {
        if (FailCreate?.Invoke(obj) is { } error)
        {
            lock (_lock)
            {
                Calls.Add("create-failed");
            }

            throw error;
        }

        lock (_lock)
        {
            var copy = Clone(obj);
            if (string.IsNullOrEmpty(copy.Metadata.Name))
            {
                copy.Metadata.Name = copy.Metadata.GenerateName + (++_names).ToString("x5");
            }

            var key = ObjectKey.Of(copy);
            if (_objects.ContainsKey(key))
            {
                throw new ApiException(HttpStatusCode.Conflict, new V1Status { Reason = "AlreadyExists", Code = 409 }, "already exists");
            }

            copy.Metadata.Uid = Guid.NewGuid().ToString();
            copy.Metadata.ResourceVersion = (++_rv).ToString();
            copy.Metadata.CreationTimestamp ??= DateTime.UtcNow;
            copy.Metadata.Generation ??= 1;
            _objects[key] = copy;
            Calls.Add("create " + key);
            return Task.FromResult(Clone(copy));
        }
    }

    public Task<T> UpdateAsync(T obj, CancellationToken cancellationToken, string? subresource = null)
    {
        lock (_lock)
        {
            var key = ObjectKey.Of(obj);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw NotFound(obj.Metadata.Name);
            }

            if (!string.IsNullOrEmpty(obj.Metadata.ResourceVersion) && obj.Metadata.ResourceVersion != current.Metadata.ResourceVersion)
            {
                throw new ApiException(HttpStatusCode.Conflict, new V1Status { Reason = "Conflict", Code = 409 }, "conflict");
            }

            var copy = Clone(obj);
            copy.Metadata.ResourceVersion = (++_rv).ToString();
            _objects[key] = copy;
            Calls.Add((subresource ?? "update") + " " + key);
            return Task.FromResult(Clone(copy));
        }
    }

    public Task<T> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null)
    {
        lock (_lock)
        {
            var key = ObjectKey.Of(ns, name);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw NotFound(name);
            }

            var target = JsonNode.Parse(KubernetesJson.Serialize(current))!;
            var patch = JsonNode.Parse(mergePatch)!;
            if (patch["metadata"]?["resourceVersion"]?.GetValue<string>() is { } rv && rv != current.Metadata.ResourceVersion)
            {
                throw new ApiException(HttpStatusCode.Conflict, new V1Status { Reason = "Conflict", Code = 409 }, "conflict");
            }

            var merged = Merge(target, patch)!;
            var result = KubernetesJson.Deserialize<T>(merged.ToJsonString());
            result.Metadata.ResourceVersion = (++_rv).ToString();
            _objects[key] = result;
            Calls.Add("patch " + key);
            Patches.Add(mergePatch);
            return Task.FromResult(Clone(result));
        }
    }

    public Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var key = ObjectKey.Of(ns, name);
            if (!_objects.Remove(key))
            {
                throw NotFound(name);
            }

            Calls.Add("delete " + key);
            DeleteOptions.Add(options);
            return Task.CompletedTask;
        }
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject po)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject to ? (JsonObject)to.DeepClone() : new JsonObject();
        foreach (var (k, v) in po)
        {
            if (v is null)
            {
                result.Remove(k);
            }
            else
            {
                result[k] = Merge(result[k], v);
            }
        }

        return result;
    }

    private static T Clone(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));

    private ApiException NotFound(string name) =>
        new(HttpStatusCode.NotFound, new V1Status { Reason = "NotFound", Code = 404 }, $"{Resource.GroupResource} \"{name}\" not found");
}
