using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The seam through which the pod worker gets a pod's volumes onto the host before its containers start, and
/// cleans them up after the pod is gone. Implementations must be idempotent (called on every container start).
/// </summary>
internal interface IPodVolumes
{
    /// <summary>Prepares every volume of <paramref name="pod"/>; returns volume name → host source.</summary>
    /// <exception cref="Env.CreateContainerConfigException">a volume cannot be prepared (the message says why).</exception>
    Task<IReadOnlyDictionary<string, MountSource>> SetUpAsync(V1Pod pod, CancellationToken cancellationToken);

    /// <summary>Removes what <see cref="SetUpAsync"/> made for the pod with <paramref name="podUid"/>.</summary>
    Task TearDownAsync(string podUid, CancellationToken cancellationToken);
}
