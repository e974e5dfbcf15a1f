using k8s.Models;
using Skiff.Api.Printing;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Storage.StorageClasses;

/// <summary>
/// storage.k8s.io/v1 StorageClasses (pkg/registry/storage/storageclass, ValidateStorageClass): a qualified
/// provisioner name, Delete/Retain reclaim, Immediate/WaitForFirstConsumer binding; provisioner, parameters,
/// reclaim policy and binding mode never change.
/// </summary>
internal sealed class StorageClassStrategy : ResourceStrategy<V1StorageClass>
{
    public const string DefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
    public const int MaxParameters = 512;

    private static readonly string[] ReclaimPolicies = ["Delete", "Retain"];
    private static readonly string[] BindingModes = ["Immediate", "WaitForFirstConsumer"];

    public override TableConvertor<V1StorageClass> Table { get; } = new StorageClassTable();

    /// <summary>SetDefaults_StorageClass: Delete and Immediate.</summary>
    public override void Default(V1StorageClass obj)
    {
        if (string.IsNullOrEmpty(obj.ReclaimPolicy))
        {
            obj.ReclaimPolicy = "Delete";
        }

        if (string.IsNullOrEmpty(obj.VolumeBindingMode))
        {
            obj.VolumeBindingMode = "Immediate";
        }
    }

    public override void Validate(V1StorageClass obj, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(obj.Provisioner))
        {
            errors.Required("provisioner");
        }
        else
        {
            foreach (var msg in NameRules.QualifiedName(obj.Provisioner.ToLowerInvariant()))
            {
                errors.Invalid("provisioner", obj.Provisioner, msg);
            }
        }

        if ((obj.Parameters?.Count ?? 0) > MaxParameters)
        {
            errors.TooLong("parameters", MaxParameters);
        }

        foreach (var key in obj.Parameters?.Keys ?? [])
        {
            if (key.Length == 0)
            {
                errors.Invalid("parameters", key, "field can not be empty.");
            }
        }

        if (obj.ReclaimPolicy is { } reclaim && !ReclaimPolicies.Contains(reclaim))
        {
            errors.NotSupported("reclaimPolicy", reclaim, ReclaimPolicies);
        }

        if (string.IsNullOrEmpty(obj.VolumeBindingMode))
        {
            errors.Required("volumeBindingMode");
        }
        else if (!BindingModes.Contains(obj.VolumeBindingMode))
        {
            errors.NotSupported("volumeBindingMode", obj.VolumeBindingMode, BindingModes);
        }
    }

    public override void ValidateUpdate(V1StorageClass obj, V1StorageClass old, FieldErrors errors)
    {
        var parameters = obj.Parameters ?? new Dictionary<string, string>();
        var oldParameters = old.Parameters ?? new Dictionary<string, string>();
        if (parameters.Count != oldParameters.Count || parameters.Any(p => !oldParameters.TryGetValue(p.Key, out var v) || v != p.Value))
        {
            errors.Forbidden("parameters", "updates to parameters are forbidden.");
        }

        if (obj.Provisioner != old.Provisioner)
        {
            errors.Forbidden("provisioner", "updates to provisioner are forbidden.");
        }

        if (obj.ReclaimPolicy != old.ReclaimPolicy)
        {
            errors.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.");
        }

        if (obj.VolumeBindingMode != old.VolumeBindingMode)
        {
            errors.Immutable("volumeBindingMode", obj.VolumeBindingMode ?? "");
        }
    }

    /// <summary>storageutil.IsDefaultAnnotation: either default-class annotation set to "true".</summary>
    internal static bool IsDefault(V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } a &&
        ((a.TryGetValue(DefaultAnnotation, out var v) && v == "true") || (a.TryGetValue(BetaDefaultAnnotation, out var b) && b == "true"));

    /// <summary>
    /// kube-apiserver's storageclass printer: NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE,
    /// the default class named with a " (default)" suffix by the server.
    /// </summary>
    private sealed class StorageClassTable : TableConvertor<V1StorageClass>
    {
        public override IReadOnlyList<TableColumn> Columns { get; } =
        [
            Shared.Columns.Name,
            new("Provisioner", "string", "provisioner indicates the type of the provisioner."),
            new("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
            new("VolumeBindingMode", "string", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
            new("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class allow volume expand."),
            Shared.Columns.Age,
        ];

        public override object?[] Cells(V1StorageClass obj, DateTime now) =>
        [
            IsDefault(obj.Metadata) ? obj.Metadata.Name + " (default)" : obj.Metadata.Name,
            obj.Provisioner ?? "",
            obj.ReclaimPolicy ?? "Delete",
            obj.VolumeBindingMode ?? "Immediate",
            obj.AllowVolumeExpansion ?? false,
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
        ];
    }
}
