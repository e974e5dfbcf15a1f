using k8s;
using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Client.Tests.Fakes;

/// <summary>An informer whose cache a test fills directly; changes reach the handlers as the real informer would deliver them.</summary>
public sealed class FakeInformer<T> : IInformer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly List<IResourceEventHandler<T>> _handlers = [];

    public Indexer<T> Indexer { get; } = new();

    public bool HasSynced => true;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void AddEventHandler(IResourceEventHandler<T> handler) => _handlers.Add(handler);

    public void Add(T obj)
    {
        var old = Indexer.Upsert(obj);
        foreach (var h in _handlers)
        {
            if (old is null)
            {
                h.OnAdd(obj);
            }
            else
            {
                h.OnUpdate(old, obj);
            }
        }
    }

    public void Delete(T obj)
    {
        Indexer.Remove(ObjectKey.Of(obj));
        foreach (var h in _handlers)
        {
            h.OnDelete(obj, null);
        }
    }
}
