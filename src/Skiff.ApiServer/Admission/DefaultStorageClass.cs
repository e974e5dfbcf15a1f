using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Storage.StorageClasses;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The DefaultStorageClass admission plugin: a claim created without a class (no spec.storageClassName, no beta
/// class annotation) gets the cluster's default StorageClass; with several marked default the newest wins (by name
/// when equally new), as since Kubernetes 1.26. An explicit "" (no class) is left alone. Reads the classes' watch cache.
/// </summary>
internal sealed class DefaultStorageClass(RegistryAccess access) : IMutatingAdmissionPlugin
{
    private const string BetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    public string Name => "DefaultStorageClass";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Operation == AdmissionOperation.Create && attributes.Subresource is null && attributes.Object is V1PersistentVolumeClaim;

    public ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var claim = (V1PersistentVolumeClaim)attributes.Object!;
        var spec = claim.Spec ??= new V1PersistentVolumeClaimSpec();
        if (spec.StorageClassName is not null || claim.Metadata?.Annotations?.ContainsKey(BetaStorageClassAnnotation) == true)
        {
            return ValueTask.CompletedTask;
        }

        if (Default() is { } name)
        {
            spec.StorageClassName = name;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The name of the default class, or null when none is marked.</summary>
    public string? Default() =>
        Pick(access.Store<V1StorageClass>().Cache.Snapshot().Items.Values.Select(o => ApiJson.Deserialize<V1StorageClass>(o.Json)))?.Metadata.Name;

    /// <summary>GetDefaultClass: of the classes marked default, the newest; equally new ones by name.</summary>
    internal static V1StorageClass? Pick(IEnumerable<V1StorageClass> classes) =>
        classes
            .Where(c => StorageClassStrategy.IsDefault(c.Metadata))
            .OrderByDescending(c => c.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(c => c.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();
}
