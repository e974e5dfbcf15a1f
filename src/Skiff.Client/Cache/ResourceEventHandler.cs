namespace Skiff.Client.Cache;

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; a tombstone is unwrapped to its last known object.</summary>
public sealed class ResourceEventHandler<T>(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) : IResourceEventHandler<T>
{
    public void OnAdd(T obj) => onAdd?.Invoke(obj);

    public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);

    public void OnDelete(T? obj, DeletedFinalStateUnknown<T>? tombstone)
    {
        var last = obj ?? (tombstone is null ? default : tombstone.Object);
        if (last is not null)
        {
            onDelete?.Invoke(last);
        }
    }
}
