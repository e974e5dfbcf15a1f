using k8s.Models;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The StorageObjectInUseProtection admission plugin: every new PersistentVolumeClaim gets the
/// <c>kubernetes.io/pvc-protection</c> finalizer and every new PersistentVolume <c>kubernetes.io/pv-protection</c>,
/// so deleting one that is still in use leaves it Terminating until the protection controllers let it go.
/// </summary>
internal sealed class StorageObjectInUseProtection : IMutatingAdmissionPlugin
{
    public const string PvcFinalizer = "kubernetes.io/pvc-protection";
    public const string PvFinalizer = "kubernetes.io/pv-protection";

    public string Name => "StorageObjectInUseProtection";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Operation == AdmissionOperation.Create && attributes.Subresource is null && attributes.Object is V1PersistentVolumeClaim or V1PersistentVolume;

    public ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var (meta, finalizer) = attributes.Object switch
        {
            V1PersistentVolumeClaim claim => (claim.Metadata ??= new V1ObjectMeta(), PvcFinalizer),
            V1PersistentVolume volume => (volume.Metadata ??= new V1ObjectMeta(), PvFinalizer),
            _ => (null, ""),
        };
        if (meta is not null)
        {
            var finalizers = meta.Finalizers ??= [];
            if (!finalizers.Contains(finalizer))
            {
                finalizers.Add(finalizer);
            }
        }

        return ValueTask.CompletedTask;
    }
}
