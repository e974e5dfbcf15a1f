namespace Skiff.Client.Cache;

/// <summary>
/// Informer notifications. Contract (as client-go's ResourceEventHandler): called from the informer's loop in
/// the order the cache changed; implementations must return fast (compute a key and enqueue it) and never block.
/// A resync delivers <see cref="OnUpdate"/> with the same object twice.
/// </summary>
public interface IResourceEventHandler<T>
{
    void OnAdd(T obj);

    void OnUpdate(T oldObj, T newObj);

    /// <summary>The deleted object, or its tombstone when the deletion was seen only by a relist.</summary>
    void OnDelete(T? obj, DeletedFinalStateUnknown<T>? tombstone);
}
