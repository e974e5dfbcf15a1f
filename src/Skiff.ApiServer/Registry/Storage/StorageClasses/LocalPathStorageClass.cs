using k8s.Models;

namespace Skiff.ApiServer.Registry.Storage.StorageClasses;

/// <summary>
/// The cluster's default StorageClass, as k3s ships <c>local-path</c>: node-local directories provisioned by
/// <c>skiff.io/local-path</c> once the scheduler has placed the first pod (WaitForFirstConsumer), deleted with their
/// claim. The API server creates it when it is missing (the addon manager's EnsureExists): a user may change its
/// default annotation or replace it, and a deleted one comes back at the next start.
/// </summary>
internal static class LocalPathStorageClass
{
    public const string Name = "local-path";
    public const string Provisioner = "skiff.io/local-path";

    public static V1StorageClass Create() => new()
    {
        ApiVersion = "storage.k8s.io/v1",
        Kind = "StorageClass",
        Metadata = new V1ObjectMeta
        {
            Name = Name,
            Annotations = new Dictionary<string, string> { [StorageClassStrategy.DefaultAnnotation] = "true" },
        },
        Provisioner = Provisioner,
        ReclaimPolicy = "Delete",
        VolumeBindingMode = "WaitForFirstConsumer",
    };
}
