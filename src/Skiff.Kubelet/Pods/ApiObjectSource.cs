using k8s.Models;
using Skiff.Client.Api;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Pods;

/// <summary>The objects env and volumes need, read by GET from the API server (404 → null), as kubelet's Get-strategy managers do.</summary>
internal sealed class ApiObjectSource(ApiConnection connection) : IKubeletObjectSource
{
    public static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true);
    public static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true);
    public static readonly ApiResource Claims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    public static readonly ApiResource Volumes = new("", "v1", "persistentvolumes", "PersistentVolume", false);

    public Task<V1ConfigMap?> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync<V1ConfigMap>(ConfigMaps, @namespace, name, cancellationToken);

    public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync<V1Secret>(Secrets, @namespace, name, cancellationToken);

    public Task<V1PersistentVolumeClaim?> GetPersistentVolumeClaimAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetAsync<V1PersistentVolumeClaim>(Claims, @namespace, name, cancellationToken);

    public Task<V1PersistentVolume?> GetPersistentVolumeAsync(string name, CancellationToken cancellationToken) =>
        GetAsync<V1PersistentVolume>(Volumes, null, name, cancellationToken);

    private async Task<T?> GetAsync<T>(ApiResource resource, string? ns, string name, CancellationToken cancellationToken)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            return await connection.For<T>(resource).GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }
}
