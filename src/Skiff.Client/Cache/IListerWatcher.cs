using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Cache;

/// <summary>What an informer lists and watches (client-go's ListerWatcher): one resource, maybe one namespace and selectors.</summary>
public interface IListerWatcher<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    Task<ObjectList<T>> ListAsync(ListOptions options, CancellationToken cancellationToken);

    IAsyncEnumerable<WatchEvent<T>> WatchAsync(WatchOptions options, CancellationToken cancellationToken);
}
