using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.PersistentVolumes;

/// <summary>The persistent volume columns of kube-apiserver's printers (printPersistentVolume).</summary>
internal sealed class PersistentVolumeTable : TableConvertor<V1PersistentVolume>
{
    public static readonly PersistentVolumeTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
        new("Access Modes", "string", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
        new("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
        new("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
        new("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
        new("StorageClass", "string", "StorageClass of the pv"),
        new("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
        new("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
        Shared.Columns.Age,
        new("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.", 1),
    ];

    public override object?[] Cells(V1PersistentVolume obj, DateTime now)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeSpec();
        var claim = spec.ClaimRef is { } c ? $"{c.NamespaceProperty}/{c.Name}" : "";
        var phase = obj.Metadata.DeletionTimestamp is not null ? "Terminating" : obj.Status?.Phase ?? "";
        return
        [
            obj.Metadata.Name,
            Shared.Columns.Quantity(spec.Capacity, "storage"),
            Shared.Columns.AccessModes(spec.AccessModes),
            spec.PersistentVolumeReclaimPolicy ?? "",
            phase,
            claim,
            Shared.Columns.StorageClass(obj.Metadata, spec.StorageClassName),
            spec.VolumeAttributesClassName ?? "<unset>",
            obj.Status?.Reason ?? "",
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            spec.VolumeMode ?? "<unset>",
        ];
    }
}
