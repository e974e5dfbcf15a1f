using k8s.Models;
using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The seam through which the pod worker gets a pod's volumes onto the host before a container starts, and cleans
/// them up after the pod is gone. Implementations are idempotent (called on every container start).
/// </summary>
internal interface IPodVolumes
{
    /// <summary>Sets up (or re-syncs) the pod's volumes and returns the CRI mounts of <paramref name="container"/>.</summary>
    /// <exception cref="Volumes.VolumeSetupException">a volume cannot be set up (the FailedMount text).</exception>
    /// <exception cref="Env.CreateContainerConfigException">a mount of the container is invalid.</exception>
    Task<IReadOnlyList<Mount>> MountsAsync(V1Pod pod, V1Container container, IReadOnlyDictionary<string, string> env, IDictionary<string, ResourceQuantity>? nodeAllocatable, CancellationToken cancellationToken);

    /// <summary>Re-syncs the volumes of a running pod (changed ConfigMap, Secret, downward API contents are swapped in).</summary>
    /// <exception cref="Volumes.VolumeSetupException">a volume cannot be set up (the FailedMount text).</exception>
    Task RefreshAsync(V1Pod pod, IDictionary<string, ResourceQuantity>? nodeAllocatable, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Unmounts and removes what was set up for the pod with <paramref name="podUid"/>.</summary>
    Task TearDownAsync(string podUid, CancellationToken cancellationToken);
}
