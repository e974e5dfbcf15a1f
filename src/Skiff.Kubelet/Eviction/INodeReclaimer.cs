namespace Skiff.Kubelet.Eviction;

/// <summary>Node-level reclaim before pods are evicted for disk pressure (kubelet's container and image garbage collection).</summary>
internal interface INodeReclaimer
{
    /// <summary>Removes exited containers no pod needs any more.</summary>
    Task DeleteUnusedContainersAsync(CancellationToken cancellationToken);

    /// <summary>Removes images no container uses (never the sandbox image).</summary>
    Task DeleteUnusedImagesAsync(CancellationToken cancellationToken);
}
