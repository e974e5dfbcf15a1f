using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Nodes;

/// <summary>
/// Nodes, after pkg/registry/core/node/strategy.go and ValidateNode / ValidateNodeUpdate. Unlike most
/// resources a node keeps the status it is created with (the kubelet registers itself with its status);
/// pod CIDRs and the provider ID may be set once and then never change.
/// </summary>
internal sealed class NodeStrategy : ResourceStrategy<V1Node>
{
    public override TableConvertor<V1Node> Table => NodeTable.Instance;

    public override void Default(V1Node obj)
    {
        // SetDefaults_NodeStatus: allocatable defaults to capacity.
        if (obj.Status is { Allocatable: null, Capacity: { } capacity })
        {
            obj.Status.Allocatable = capacity.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value.ToString()));
        }

        // v1 conversion keeps podCIDR and podCIDRs in step.
        if (obj.Spec is { } spec)
        {
            if (!string.IsNullOrEmpty(spec.PodCIDR) && (spec.PodCIDRs is null || spec.PodCIDRs.Count == 0))
            {
                spec.PodCIDRs = [spec.PodCIDR];
            }
            else if (string.IsNullOrEmpty(spec.PodCIDR) && spec.PodCIDRs is { Count: > 0 } cidrs)
            {
                spec.PodCIDR = cidrs[0];
            }
        }
    }

    public override void PrepareForCreate(V1Node obj)
    {
        // Keeps the status: nodes are created by the kubelet with their status filled in.
    }

    public override void Validate(V1Node obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1NodeSpec();
        Taints(spec.Taints, errors);

        var cidrs = spec.PodCIDRs ?? [];
        for (var i = 0; i < cidrs.Count; i++)
        {
            foreach (var msg in IpRules.IsValidCidr(cidrs[i]))
            {
                errors.Invalid($"spec.podCIDRs[{i}]", cidrs[i], msg);
            }
        }

        if (cidrs.Count > 2 || (cidrs.Count == 2 && IpRules.IsValidCidr(cidrs[0]).Count == 0 && IpRules.IsValidCidr(cidrs[1]).Count == 0
            && IpRules.IsIPv6(cidrs[0].Split('/')[0]) == IpRules.IsIPv6(cidrs[1].Split('/')[0])))
        {
            errors.Invalid("spec.podCIDRs", GoValue.StringSlice(cidrs), "may specify no more than one CIDR for each IP family");
        }

        Quantities(obj.Status, errors);
    }

    public override void ValidateUpdate(V1Node obj, V1Node old, FieldErrors errors)
    {
        Validate(obj, errors);
        var spec = obj.Spec ?? new V1NodeSpec();
        var oldSpec = old.Spec ?? new V1NodeSpec();
        if (oldSpec.PodCIDRs is { Count: > 0 } oldCidrs)
        {
            var cidrs = spec.PodCIDRs ?? [];
            if (cidrs.Count != oldCidrs.Count || oldCidrs.Where((c, i) => c != cidrs[i]).Any())
            {
                errors.Forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid");
            }
        }

        if (!string.IsNullOrEmpty(oldSpec.ProviderID) && oldSpec.ProviderID != spec.ProviderID)
        {
            errors.Forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid");
        }
    }

    public override void ValidateStatusUpdate(V1Node obj, V1Node old, FieldErrors errors) => Quantities(obj.Status, errors);

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1Node obj)
    {
        yield return new("spec.unschedulable", obj.Spec?.Unschedulable == true ? "true" : "false");
    }

    private static void Taints(IList<V1Taint>? taints, FieldErrors errors)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < (taints?.Count ?? 0); i++)
        {
            var t = taints![i];
            var p = $"spec.taints[{i}]";
            FieldRules.QualifiedName(t.Key ?? "", $"{p}.key", errors);
            if (!string.IsNullOrEmpty(t.Value))
            {
                foreach (var msg in NameRules.LabelValue(t.Value))
                {
                    errors.Invalid($"{p}.value", t.Value, msg);
                }
            }

            FieldRules.TaintEffect(t.Effect, allowEmpty: false, $"{p}.effect", errors);
            if (!seen.Add($"{t.Key}\0{t.Effect}"))
            {
                errors.Invalid(p, new GoValue($"core.Taint{{Key:{GoValue.Quote(t.Key ?? "")}, Value:{GoValue.Quote(t.Value ?? "")}, Effect:{GoValue.Quote(t.Effect ?? "")}, TimeAdded:<nil>}}"), "taints must be unique by key and effect pair");
            }
        }
    }

    // ValidateNode checks the reported quantities with Child paths (status.capacity.cpu), not keys.
    private static void Quantities(V1NodeStatus? status, FieldErrors errors)
    {
        foreach (var (k, v) in status?.Capacity ?? new Dictionary<string, ResourceQuantity>())
        {
            FieldRules.NonNegative(v, $"status.capacity.{k}", errors);
        }

        foreach (var (k, v) in status?.Allocatable ?? new Dictionary<string, ResourceQuantity>())
        {
            FieldRules.NonNegative(v, $"status.allocatable.{k}", errors);
        }
    }
}
