using k8s.Models;

namespace Skiff.Kubelet.Volumes;

/// <summary>What <see cref="VolumeManager.SetUpAsync"/> needs for one pod.</summary>
internal sealed record VolumeRequest
{
    /// <summary>The pod (its volumes, metadata for the downward API, and resources).</summary>
    public required V1Pod Pod { get; init; }

    /// <summary>The pod's directory on the node (the kubelet's <c>/var/lib/kubelet/pods/&lt;uid&gt;</c>); volumes go under <c>volumes/</c>.</summary>
    public required string PodDir { get; init; }

    /// <summary>The node's allocatable resources (unset resource limits in downwardAPI files; the memory-backed emptyDir size cap).</summary>
    public IDictionary<string, ResourceQuantity>? NodeAllocatable { get; init; }
}
