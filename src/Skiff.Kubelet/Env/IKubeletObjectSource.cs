using k8s.Models;

namespace Skiff.Kubelet.Env;

/// <summary>
/// The API objects the node agent reads while it builds a container's environment and volumes
/// (the kubelet's configMapManager, secretManager and PVC/PV lookups). The kubelet core implements it with
/// informers or GETs; the Env and Volumes libraries never talk to the API server themselves.
/// </summary>
/// <remarks>
/// Contract: every method returns <c>null</c> when the object does not exist (404) and throws for any other
/// failure (the caller reports that error as is). Implementations must be safe to call concurrently.
/// </remarks>
internal interface IKubeletObjectSource
{
    /// <summary>The ConfigMap <paramref name="name"/> in <paramref name="namespace"/>, or null when it does not exist.</summary>
    Task<V1ConfigMap?> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>The Secret <paramref name="name"/> in <paramref name="namespace"/>, or null when it does not exist.</summary>
    Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>The PersistentVolumeClaim <paramref name="name"/> in <paramref name="namespace"/>, or null when it does not exist.</summary>
    Task<V1PersistentVolumeClaim?> GetPersistentVolumeClaimAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>The (cluster-scoped) PersistentVolume <paramref name="name"/>, or null when it does not exist.</summary>
    Task<V1PersistentVolume?> GetPersistentVolumeAsync(string name, CancellationToken cancellationToken);
}
