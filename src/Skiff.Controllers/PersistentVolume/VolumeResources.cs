using Skiff.Client.Api;

namespace Skiff.Controllers.PersistentVolume;

/// <summary>The storage resources the volume controllers read and write.</summary>
internal static class VolumeResources
{
    public static readonly ApiResource PersistentVolumes = new("", "v1", "persistentvolumes", "PersistentVolume", false);
    public static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    public static readonly ApiResource StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false);
}
