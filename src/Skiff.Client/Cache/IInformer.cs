using k8s;
using k8s.Models;

namespace Skiff.Client.Cache;

/// <summary>
/// A shared informer (client-go's SharedIndexInformer): keeps <see cref="Indexer"/> in step with the API server
/// by list + watch, relisting when the watch's resourceVersion is too old, and tells handlers about changes.
/// </summary>
public interface IInformer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    Indexer<T> Indexer { get; }

    /// <summary>Whether the first list has been stored.</summary>
    bool HasSynced { get; }

    /// <summary>Completes once the first list has been stored.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);

    /// <summary>Registers a handler; it first receives an add for every object already cached.</summary>
    void AddEventHandler(IResourceEventHandler<T> handler);
}
