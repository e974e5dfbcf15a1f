using k8s;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// Typed REST access to one resource (like client-go's typed clients). Every call goes through the API server's
/// HTTP pipeline; failures surface as <see cref="ApiException"/>. Thread-safe.
/// </summary>
public interface IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    ApiResource Resource { get; }

    Task<ObjectList<T>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken);

    /// <summary>Opens a watch; the enumeration ends when the server closes the stream.</summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? ns, WatchOptions options, CancellationToken cancellationToken);

    Task<T> GetAsync(string? ns, string name, CancellationToken cancellationToken);

    Task<T> CreateAsync(T obj, CancellationToken cancellationToken);

    /// <summary>PUT of the object (optimistic concurrency through metadata.resourceVersion), or of a subresource (status, finalize).</summary>
    Task<T> UpdateAsync(T obj, CancellationToken cancellationToken, string? subresource = null);

    /// <summary>A JSON merge patch (RFC 7386) of the object or of a subresource.</summary>
    Task<T> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null);

    Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken);
}
