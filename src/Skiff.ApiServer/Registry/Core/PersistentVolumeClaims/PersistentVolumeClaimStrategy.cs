using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Core.PersistentVolumes;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.PersistentVolumeClaims;

/// <summary>
/// PersistentVolumeClaims, after pkg/registry/core/persistentvolumeclaim/strategy.go and
/// ValidatePersistentVolumeClaim(Update): claims start Pending with volume mode Filesystem; the spec
/// is immutable except that volumeName may be set once and bound claims may grow their storage request.
/// </summary>
internal sealed class PersistentVolumeClaimStrategy : ResourceStrategy<V1PersistentVolumeClaim>
{
    public const string ImmutableSpecMessage = "spec is immutable after creation except resources.requests for bound claims";

    public override TableConvertor<V1PersistentVolumeClaim> Table => PersistentVolumeClaimTable.Instance;

    public override void Default(V1PersistentVolumeClaim obj)
    {
        var spec = obj.Spec ??= new V1PersistentVolumeClaimSpec();
        if (string.IsNullOrEmpty(spec.VolumeMode))
        {
            spec.VolumeMode = "Filesystem";
        }

        if (obj.Status is not null && string.IsNullOrEmpty(obj.Status.Phase))
        {
            obj.Status.Phase = "Pending";
        }
    }

    public override void PrepareForCreate(V1PersistentVolumeClaim obj) =>
        obj.Status = new V1PersistentVolumeClaimStatus { Phase = "Pending" };

    public override void Validate(V1PersistentVolumeClaim obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeClaimSpec();
        PersistentVolumeStrategy.AccessModes(spec.AccessModes, "spec.accessModes", "at least 1 access mode is required", errors);
        LabelSelectors.Validate(spec.Selector, "spec.selector", errors);

        // Kubernetes keys the storage request under spec.resources, not spec.resources.requests.
        if (spec.Resources?.Requests is not { } requests || !requests.TryGetValue("storage", out var storage) || storage is null)
        {
            errors.Required("spec.resources[storage]");
        }
        else
        {
            FieldRules.Positive(storage, "spec.resources[storage]", errors);
        }

        if (!string.IsNullOrEmpty(spec.StorageClassName))
        {
            FieldRules.DnsSubdomain(spec.StorageClassName, "spec.storageClassName", errors);
        }

        if (!string.IsNullOrEmpty(spec.VolumeMode) && !FieldRules.VolumeModes.Contains(spec.VolumeMode))
        {
            errors.NotSupported("spec.volumeMode", spec.VolumeMode, FieldRules.VolumeModes);
        }
    }

    public override void ValidateUpdate(V1PersistentVolumeClaim obj, V1PersistentVolumeClaim old, FieldErrors errors)
    {
        Validate(obj, errors);
        var spec = SpecDiff.Clone(obj.Spec ?? new V1PersistentVolumeClaimSpec());
        var oldSpec = SpecDiff.Clone(old.Spec ?? new V1PersistentVolumeClaimSpec());

        // The volume binder sets volumeName once.
        if (string.IsNullOrEmpty(oldSpec.VolumeName))
        {
            oldSpec.VolumeName = spec.VolumeName;
        }

        // Claims created with the beta class annotation may move it to the field.
        var oldAnnotation = (old.Metadata.Annotations is { } annotations && annotations.TryGetValue("volume.beta.kubernetes.io/storage-class", out var a) ? a : null);
        if (oldSpec.StorageClassName is null && (oldAnnotation is null || oldAnnotation == spec.StorageClassName))
        {
            oldSpec.StorageClassName = spec.StorageClassName;
        }

        if (obj.Status?.Phase == "Bound" && spec.Resources?.Requests is { } requests)
        {
            if (oldSpec.Resources?.Requests?.TryGetValue("storage", out var oldStorage) == true)
            {
                requests["storage"] = oldStorage;
            }
            else
            {
                requests.Remove("storage");
            }
        }

        if (!SpecDiff.JsonEqual(spec, oldSpec))
        {
            errors.Forbidden("spec", $"{ImmutableSpecMessage}\n{SpecDiff.Describe(oldSpec, spec)}");
        }

        var newSize = Storage(obj.Spec?.Resources?.Requests);
        var oldSize = Storage(old.Spec?.Resources?.Requests);
        var statusSize = Storage(old.Status?.Capacity);
        if (newSize < oldSize && newSize <= statusSize)
        {
            // RecoverVolumeExpansionFailure (on since v1.32): a request may shrink only while it stays above status.capacity.
            errors.Forbidden("spec.resources.requests.storage", "field can not be less than status.capacity");
        }

        if (obj.Spec?.VolumeMode != old.Spec?.VolumeMode)
        {
            errors.Immutable("volumeMode", obj.Spec?.VolumeMode ?? "");
        }
    }

    public override void ValidateStatusUpdate(V1PersistentVolumeClaim obj, V1PersistentVolumeClaim old, FieldErrors errors)
    {
        foreach (var (k, q) in obj.Status?.Capacity ?? new Dictionary<string, ResourceQuantity>())
        {
            FieldRules.NonNegative(q, $"status.capacity[{k}]", errors);
        }

        foreach (var (k, q) in obj.Status?.AllocatedResources ?? new Dictionary<string, ResourceQuantity>())
        {
            FieldRules.NonNegative(q, $"status.allocatedResources[{k}]", errors);
        }
    }

    private static decimal Storage(IDictionary<string, ResourceQuantity>? list) =>
        list is not null && list.TryGetValue("storage", out var q) && q is not null ? q.ToDecimal() : 0;
}
