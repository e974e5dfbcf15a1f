using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// One pod informer for many node agents in one process (<c>skiff sim</c>): a single list and watch of every pod,
/// indexed by spec.nodeName and dispatched to the <see cref="PodManager"/> of that node, instead of one watch per node
/// (a thousand field-selector watches would make the API server filter every pod event a thousand times).
/// </summary>
internal sealed class SharedPodFeed
{
    private readonly ConcurrentDictionary<string, PodManager> _managers = new(StringComparer.Ordinal);
    private readonly Lock _dispatch = new();

    public SharedPodFeed(ApiConnection connection, TimeProvider time, ILogger logger)
    {
        Informer = new SharedInformer<V1Pod>(new ListWatch<V1Pod>(connection.For<V1Pod>(ApiResource.Pods)), new InformerOptions(), time, logger, "pods");
        Informer.Indexer.AddIndex(Indexers.NodeName, pod => Indexers.ByNodeName(pod));
        Informer.AddEventHandler(new ResourceEventHandler<V1Pod>(
            onAdd: pod => Deliver(pod, m => m.OnPodChanged(pod)),
            onUpdate: (_, pod) => Deliver(pod, m => m.OnPodChanged(pod)),
            onDelete: pod => Deliver(pod, m => m.OnPodDeleted(pod))));
    }

    public SharedInformer<V1Pod> Informer { get; }

    /// <summary>The pods bound to <paramref name="nodeName"/>, from the cache.</summary>
    public List<V1Pod> PodsOf(string nodeName) => Informer.Indexer.ByIndex(Indexers.NodeName, nodeName);

    /// <summary>
    /// Delivers the events of <paramref name="nodeName"/>'s pods to <paramref name="manager"/>, starting with the pods the
    /// cache holds now. Done under the dispatch lock, so no event is delivered before the snapshot it is newer than.
    /// </summary>
    public void Subscribe(string nodeName, PodManager manager)
    {
        lock (_dispatch)
        {
            _managers[nodeName] = manager;
            foreach (var pod in PodsOf(nodeName))
            {
                manager.OnPodChanged(pod);
            }
        }
    }

    public void Unsubscribe(string nodeName) => _managers.TryRemove(nodeName, out _);

    private void Deliver(V1Pod pod, Action<PodManager> action)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return;
        }

        lock (_dispatch)
        {
            if (_managers.TryGetValue(pod.Spec.NodeName, out var manager))
            {
                action(manager);
            }
        }
    }
}
