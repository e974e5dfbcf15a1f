using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.PersistentVolumes;

/// <summary>
/// PersistentVolumes, after pkg/registry/core/persistentvolume/strategy.go, SetDefaults_PersistentVolume
/// and ValidatePersistentVolume(Update): reclaim policy Retain and volume mode Filesystem by default,
/// new volumes start Pending with a phase transition time, exactly one volume source, immutable source.
/// </summary>
internal sealed class PersistentVolumeStrategy : ResourceStrategy<V1PersistentVolume>
{
    private static readonly string[] ReclaimPolicies = ["Delete", "Recycle", "Retain"];

    // The volume source properties of PersistentVolumeSpec (everything that is not a PV attribute).
    private static readonly HashSet<string> NotSources =
    [
        nameof(V1PersistentVolumeSpec.AccessModes), nameof(V1PersistentVolumeSpec.Capacity), nameof(V1PersistentVolumeSpec.ClaimRef),
        nameof(V1PersistentVolumeSpec.MountOptions), nameof(V1PersistentVolumeSpec.NodeAffinity),
        nameof(V1PersistentVolumeSpec.PersistentVolumeReclaimPolicy), nameof(V1PersistentVolumeSpec.StorageClassName),
        nameof(V1PersistentVolumeSpec.VolumeAttributesClassName), nameof(V1PersistentVolumeSpec.VolumeMode),
    ];

    /// <summary>The clock for phase transition times (NowFunc in Kubernetes' strategy).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public override TableConvertor<V1PersistentVolume> Table => PersistentVolumeTable.Instance;

    public override void Default(V1PersistentVolume obj)
    {
        var spec = obj.Spec ??= new V1PersistentVolumeSpec();
        if (string.IsNullOrEmpty(spec.PersistentVolumeReclaimPolicy))
        {
            spec.PersistentVolumeReclaimPolicy = "Retain";
        }

        if (string.IsNullOrEmpty(spec.VolumeMode))
        {
            spec.VolumeMode = "Filesystem";
        }

        if (spec.HostPath is { } hostPath)
        {
            hostPath.Type ??= "";
        }

        if (obj.Status is not null && string.IsNullOrEmpty(obj.Status.Phase))
        {
            obj.Status.Phase = "Pending";
        }
    }

    public override void PrepareForCreate(V1PersistentVolume obj) =>
        obj.Status = new V1PersistentVolumeStatus { Phase = "Pending", LastPhaseTransitionTime = Now() };

    public override void PrepareForStatusUpdate(V1PersistentVolume obj, V1PersistentVolume old)
    {
        base.PrepareForStatusUpdate(obj, old);
        obj.Status ??= new V1PersistentVolumeStatus();

        // The transition time follows phase changes unless the writer set it explicitly.
        if (obj.Status.Phase != old.Status?.Phase && obj.Status.LastPhaseTransitionTime == old.Status?.LastPhaseTransitionTime)
        {
            obj.Status.LastPhaseTransitionTime = Now();
        }
    }

    public override void Validate(V1PersistentVolume obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeSpec();
        AccessModes(spec.AccessModes, "spec.accessModes", "", errors);

        var capacity = spec.Capacity ?? new Dictionary<string, ResourceQuantity>();
        if (capacity.Count == 0)
        {
            errors.Required("spec.capacity");
        }

        if (!capacity.ContainsKey("storage") || capacity.Count > 1)
        {
            errors.NotSupported("spec.capacity", GoValue.StringMap(capacity.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()), "core.ResourceList"), ["storage"]);
        }

        foreach (var (k, q) in capacity)
        {
            FieldRules.Positive(q, $"spec.capacity[{k}]", errors);
        }

        if (!string.IsNullOrEmpty(spec.PersistentVolumeReclaimPolicy) && !ReclaimPolicies.Contains(spec.PersistentVolumeReclaimPolicy))
        {
            errors.NotSupported("spec.persistentVolumeReclaimPolicy", spec.PersistentVolumeReclaimPolicy, ReclaimPolicies);
        }

        if (!string.IsNullOrEmpty(spec.StorageClassName))
        {
            FieldRules.DnsSubdomain(spec.StorageClassName, "spec.storageClassName", errors);
        }

        if (!string.IsNullOrEmpty(spec.VolumeMode) && !FieldRules.VolumeModes.Contains(spec.VolumeMode))
        {
            errors.NotSupported("spec.volumeMode", spec.VolumeMode, FieldRules.VolumeModes);
        }

        var sources = typeof(V1PersistentVolumeSpec).GetProperties()
            .Where(p => !NotSources.Contains(p.Name) && p.GetValue(spec) is not null)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..])
            .ToList();
        if (sources.Count == 0)
        {
            errors.Required("spec", "must specify a volume type");
        }

        foreach (var extra in sources.Skip(1))
        {
            errors.Forbidden($"spec.{extra}", "may not specify more than 1 volume type");
        }

        if (spec.HostPath is { } hostPath && string.IsNullOrEmpty(hostPath.Path))
        {
            errors.Required("spec.hostPath.path");
        }

        if (spec.Local is { } local)
        {
            if (string.IsNullOrEmpty(local.Path))
            {
                errors.Required("spec.local.path");
            }

            if (spec.NodeAffinity is null)
            {
                errors.Required("metadata.annotations", "Local volume requires node affinity");
            }
        }
    }

    public override void ValidateUpdate(V1PersistentVolume obj, V1PersistentVolume old, FieldErrors errors)
    {
        Validate(obj, errors);
        var source = Source(obj.Spec);
        var oldSource = Source(old.Spec);
        if (!SpecDiff.JsonEqual(source, oldSource))
        {
            errors.Forbidden("spec.persistentvolumesource", $"spec.persistentvolumesource is immutable after creation\n{SpecDiff.Describe(oldSource, source)}");
        }

        if (obj.Spec?.VolumeMode != old.Spec?.VolumeMode)
        {
            errors.Immutable("volumeMode", obj.Spec?.VolumeMode ?? "");
        }
    }

    public override void ValidateStatusUpdate(V1PersistentVolume obj, V1PersistentVolume old, FieldErrors errors)
    {
        var phase = obj.Status?.Phase;
        string[] phases = ["Available", "Bound", "Failed", "Pending", "Released"];
        if (!string.IsNullOrEmpty(phase) && !phases.Contains(phase))
        {
            errors.NotSupported("status.phase", phase, phases);
        }
    }

    // Only the volume source: the fields persistentvolumesource covers in the internal type.
    private static Dictionary<string, object?> Source(V1PersistentVolumeSpec? spec) =>
        typeof(V1PersistentVolumeSpec).GetProperties()
            .Where(p => !NotSources.Contains(p.Name))
            .ToDictionary(p => p.Name, p => spec is null ? null : p.GetValue(spec));

    /// <summary>Access modes of a volume or claim (ValidatePersistentVolumeSpec's access mode part).</summary>
    public static void AccessModes(IList<string>? modes, string path, string requiredDetail, FieldErrors errors)
    {
        if (modes is null || modes.Count == 0)
        {
            errors.Required(path, requiredDetail);
            return;
        }

        foreach (var mode in modes)
        {
            if (!FieldRules.AccessModes.Contains(mode))
            {
                errors.NotSupported(path, mode, FieldRules.AccessModes);
            }
        }

        if (modes.Contains("ReadWriteOncePod") && modes.Count > 1)
        {
            errors.Forbidden(path, "may not use ReadWriteOncePod with other access modes");
        }
    }

    private DateTime Now()
    {
        var now = Time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
