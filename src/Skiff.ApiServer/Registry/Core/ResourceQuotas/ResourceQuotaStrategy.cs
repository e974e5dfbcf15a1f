using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ResourceQuotas;

/// <summary>
/// ResourceQuotas, after pkg/registry/core/resourcequota/strategy.go and ValidateResourceQuota(Update):
/// hard limits name standard quota resources with non-negative (and, for counts, whole) amounts;
/// scopes are known and immutable. Usage arrives through the status subresource.
/// </summary>
internal sealed class ResourceQuotaStrategy : ResourceStrategy<V1ResourceQuota>
{
    private static readonly string[] StandardResources =
    [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
        "persistentvolumeclaims", "services.nodeports", "services.loadbalancers", "cpu", "memory",
        "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage",
    ];

    private static readonly string[] Scopes =
        ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"];

    public override TableConvertor<V1ResourceQuota> Table => ResourceQuotaTable.Instance;

    public override void PrepareForCreate(V1ResourceQuota obj) => obj.Status = new V1ResourceQuotaStatus();

    public override void Validate(V1ResourceQuota obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1ResourceQuotaSpec();
        foreach (var (name, q) in spec.Hard ?? new Dictionary<string, ResourceQuantity>())
        {
            var p = $"spec.hard[{name}]";
            var nameErrors = NameRules.QualifiedName(name);
            foreach (var msg in nameErrors)
            {
                errors.Invalid(p, name, msg);
            }

            if (nameErrors.Count == 0 && !name.Contains('/') && !IsStandardQuotaResource(name))
            {
                errors.Invalid(p, name, "must be a standard resource for quota");
            }

            FieldRules.NonNegative(q, p, errors);
            FieldRules.Integer(name, q, p, errors);
        }

        foreach (var scope in spec.Scopes ?? [])
        {
            if (!Scopes.Contains(scope))
            {
                errors.Invalid("spec.scopes", scope, "unsupported scope");
            }
        }

        var scopes = spec.Scopes ?? [];
        if ((scopes.Contains("Terminating") && scopes.Contains("NotTerminating")) || (scopes.Contains("BestEffort") && scopes.Contains("NotBestEffort")))
        {
            errors.Invalid("spec.scopes", GoValue.StringSlice(scopes, "[]core.ResourceQuotaScope"), "conflicting scopes");
        }

        Status(obj.Status, errors);
    }

    public override void ValidateUpdate(V1ResourceQuota obj, V1ResourceQuota old, FieldErrors errors)
    {
        Validate(obj, errors);
        if (!SpecDiff.JsonEqual(obj.Spec?.Scopes ?? [], old.Spec?.Scopes ?? []))
        {
            errors.Invalid("spec.scopes", GoValue.StringSlice(obj.Spec?.Scopes, "[]core.ResourceQuotaScope"), "field is immutable");
        }
    }

    public override void ValidateStatusUpdate(V1ResourceQuota obj, V1ResourceQuota old, FieldErrors errors) => Status(obj.Status, errors);

    private static void Status(V1ResourceQuotaStatus? status, FieldErrors errors)
    {
        foreach (var (name, q) in status?.Hard ?? new Dictionary<string, ResourceQuantity>())
        {
            FieldRules.NonNegative(q, $"status.hard[{name}]", errors);
        }

        foreach (var (name, q) in status?.Used ?? new Dictionary<string, ResourceQuantity>())
        {
            FieldRules.NonNegative(q, $"status.used[{name}]", errors);
        }
    }

    private static bool IsStandardQuotaResource(string name) =>
        StandardResources.Contains(name)
        || name.StartsWith("hugepages-", StringComparison.Ordinal)
        || name.StartsWith("requests.hugepages-", StringComparison.Ordinal);
}
