namespace Skiff.Kubelet.Eviction;

/// <summary>The pods the eviction manager may evict, and how it evicts one (the kubelet's pod manager and workers).</summary>
internal interface IEvictionTarget
{
    /// <summary>The node's pods that are neither terminal nor being terminated (kubelet's GetActivePods).</summary>
    IReadOnlyList<k8s.Models.V1Pod> ActivePods();

    /// <summary>Stops the pod's containers and marks it Failed/Evicted; completes once its containers are stopped (false if it had no worker).</summary>
    Task<bool> EvictAsync(k8s.Models.V1Pod pod, PodEviction eviction, CancellationToken cancellationToken);
}
