using k8s.Models;
using Skiff.Kubelet.Eviction;
using Skiff.Kubelet.StaticPods;

namespace Skiff.Kubelet.Pods;

/// <summary>The pod manager as the eviction manager sees it: the node's active pods and a way to evict one.</summary>
internal sealed partial class PodManager : IEvictionTarget
{
    /// <summary>The UIDs of the pods that have a worker (their containers are still wanted or being cleaned up).</summary>
    public IReadOnlyCollection<string> WorkerUids => [.. _workers.Keys];

    public IReadOnlyList<V1Pod> ActivePods()
    {
        var apiPods = _feed is not null ? _feed.PodsOf(_ctx.Options.NodeName) : _informer?.Indexer.List() ?? [];
        var pods = apiPods.Where(p => !StaticPodManifests.IsMirror(p)).Concat(_staticPods.Values);
        return [.. pods.Where(p => p.Metadata.DeletionTimestamp is null
            && p.Status?.Phase is not ("Succeeded" or "Failed")
            && _workers.TryGetValue(p.Metadata.Uid, out var worker) && !worker.IsTerminal)];
    }

    public async Task<bool> EvictAsync(V1Pod pod, PodEviction eviction, CancellationToken cancellationToken)
    {
        if (!_workers.TryGetValue(pod.Metadata.Uid, out var worker))
        {
            return false;
        }

        // kubelet waits for the kill (podCleanupTimeout, 30 s) before it looks at the node again.
        try
        {
            await worker.EvictAsync(eviction).WaitAsync(TimeSpan.FromSeconds(30), _ctx.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        return true;
    }
}
