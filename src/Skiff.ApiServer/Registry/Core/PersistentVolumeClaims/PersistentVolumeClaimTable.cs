using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.PersistentVolumeClaims;

/// <summary>
/// The claim columns of kube-apiserver's printers (printPersistentVolumeClaim): capacity and access
/// modes come from status and only once the claim names a volume.
/// </summary>
internal sealed class PersistentVolumeClaimTable : TableConvertor<V1PersistentVolumeClaim>
{
    public static readonly PersistentVolumeClaimTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
        new("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        new("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
        new("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
        new("StorageClass", "string", "StorageClass of the pvc"),
        new("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
        Shared.Columns.Age,
        new("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.", 1),
    ];

    public override object?[] Cells(V1PersistentVolumeClaim obj, DateTime now)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeClaimSpec();
        var phase = obj.Metadata.DeletionTimestamp is not null ? "Terminating" : obj.Status?.Phase ?? "";
        var capacity = "";
        var accessModes = "";
        if (!string.IsNullOrEmpty(spec.VolumeName))
        {
            accessModes = Shared.Columns.AccessModes(obj.Status?.AccessModes);
            capacity = Shared.Columns.Quantity(obj.Status?.Capacity, "storage");
        }

        return
        [
            obj.Metadata.Name,
            phase,
            spec.VolumeName ?? "",
            capacity,
            accessModes,
            Shared.Columns.StorageClass(obj.Metadata, spec.StorageClassName),
            spec.VolumeAttributesClassName ?? "<unset>",
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            spec.VolumeMode ?? "<unset>",
        ];
    }
}
