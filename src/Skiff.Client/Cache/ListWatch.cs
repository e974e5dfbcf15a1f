using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Cache;

/// <summary>An <see cref="IListerWatcher{T}"/> over a resource client, optionally narrowed to a namespace and selectors.</summary>
public sealed class ListWatch<T>(IResourceClient<T> client, string? ns = null, string? labelSelector = null, string? fieldSelector = null) : IListerWatcher<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public Task<ObjectList<T>> ListAsync(ListOptions options, CancellationToken cancellationToken) =>
        client.ListAsync(ns, options with { LabelSelector = labelSelector, FieldSelector = fieldSelector }, cancellationToken);

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync(WatchOptions options, CancellationToken cancellationToken) =>
        client.WatchAsync(ns, options with { LabelSelector = labelSelector, FieldSelector = fieldSelector }, cancellationToken);
}
