using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Core.Shared;

/// <summary>
/// Field rules shared by the core strategies, after pkg/apis/core/validation/validation.go:
/// label maps, resource quantities, taint effects, access modes. Messages are Kubernetes' own.
/// </summary>
internal static class CoreValidation
{
    public const string NegativeMessage = "must be greater than or equal to 0";
    public const string NotPositiveMessage = "must be greater than zero";
    public const string NotIntegerMessage = "must be an integer";

    public static readonly string[] PortProtocols = ["SCTP", "TCP", "UDP"];
    public static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    public static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
    public static readonly string[] VolumeModes = ["Block", "Filesystem"];

    /// <summary>Label keys and values of a selector or template (unversionedvalidation.ValidateLabels).</summary>
    public static void Labels(IDictionary<string, string>? labels, string path, FieldErrors errors)
    {
        if (labels is null)
        {
            return;
        }

        foreach (var (k, v) in labels)
        {
            foreach (var msg in NameRules.QualifiedName(k))
            {
                errors.Invalid(path, k, msg);
            }

            foreach (var msg in NameRules.LabelValue(v))
            {
                errors.Invalid(path, v, msg);
            }
        }
    }

    /// <summary>A DNS-1123 label value (ValidateDNS1123Label): Invalid for each problem.</summary>
    public static void DnsLabel(string value, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.DnsLabel(value))
        {
            errors.Invalid(path, value, msg);
        }
    }

    /// <summary>A DNS-1123 subdomain value (ValidateDNS1123Subdomain): Invalid for each problem.</summary>
    public static void DnsSubdomain(string value, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.DnsSubdomain(value))
        {
            errors.Invalid(path, value, msg);
        }
    }

    /// <summary>A qualified name such as a label key (ValidateQualifiedName).</summary>
    public static void QualifiedName(string value, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.QualifiedName(value))
        {
            errors.Invalid(path, value, msg);
        }
    }

    /// <summary>A non-negative integer field (ValidateNonnegativeField).</summary>
    public static void NonNegative(long? value, string path, FieldErrors errors)
    {
        if (value is < 0)
        {
            errors.Invalid(path, value.Value, NegativeMessage);
        }
    }

    /// <summary>A non-negative quantity (ValidateNonnegativeQuantity).</summary>
    public static void NonNegative(ResourceQuantity? value, string path, FieldErrors errors)
    {
        if (value is not null && value.ToDecimal() < 0)
        {
            errors.Invalid(path, QuantityText(value), NegativeMessage);
        }
    }

    /// <summary>Quantities of an integer resource (pods, services, counts) must be whole numbers.</summary>
    public static void Integer(string resource, ResourceQuantity? value, string path, FieldErrors errors)
    {
        if (value is not null && IsIntegerResource(resource) && value.ToDecimal() != decimal.Truncate(value.ToDecimal()))
        {
            errors.Invalid(path, QuantityText(value), NotIntegerMessage);
        }
    }

    /// <summary>A strictly positive quantity (ValidatePositiveQuantityValue).</summary>
    public static void Positive(ResourceQuantity? value, string path, FieldErrors errors)
    {
        if (value is not null && value.ToDecimal() <= 0)
        {
            errors.Invalid(path, QuantityText(value), NotPositiveMessage);
        }
    }

    /// <summary>
    /// The text of a quantity in messages. ResourceQuantity's canonical form breaks on negative values,
    /// so those are printed from their decimal value.
    /// </summary>
    public static string QuantityText(ResourceQuantity q) =>
        q.ToDecimal() < 0 ? q.ToDecimal().ToString(System.Globalization.CultureInfo.InvariantCulture) : q.ToString();

    /// <summary>Whether quota or limit accounting treats the resource as a count.</summary>
    public static bool IsIntegerResource(string resource) =>
        resource is "pods" or "services" or "replicationcontrollers" or "resourcequotas" or "secrets" or "configmaps"
            or "persistentvolumeclaims" or "services.nodeports" or "services.loadbalancers"
        || resource.StartsWith("count/", StringComparison.Ordinal)
        || (resource.Contains('/') && !resource.StartsWith("kubernetes.io/", StringComparison.Ordinal) && !resource.Contains("storageclass.storage.k8s.io/", StringComparison.Ordinal));

    /// <summary>A resource list of non-negative quantities with valid names (container requests/limits).</summary>
    public static void ResourceList(IDictionary<string, ResourceQuantity>? list, string path, FieldErrors errors)
    {
        if (list is null)
        {
            return;
        }

        foreach (var (name, q) in list)
        {
            var p = $"{path}[{name}]";
            ResourceName(name, p, errors);
            NonNegative(q, p, errors);
            if (name.StartsWith("hugepages-", StringComparison.Ordinal) || IsExtendedResource(name))
            {
                Integer("count/x", q, p, errors);
            }
        }
    }

    /// <summary>A resource name: a qualified name; unprefixed names must be standard (validateResourceName).</summary>
    public static void ResourceName(string name, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.QualifiedName(name))
        {
            errors.Invalid(path, name, msg);
        }

        if (!name.Contains('/') && !IsStandardContainerResource(name))
        {
            errors.Invalid(path, name, "must be a standard resource type or fully qualified");
        }
    }

    public static bool IsStandardContainerResource(string name) =>
        name is "cpu" or "memory" or "ephemeral-storage" or "storage" || name.StartsWith("hugepages-", StringComparison.Ordinal);

    /// <summary>Extended resources are qualified names outside the kubernetes.io domain (they must be integers).</summary>
    public static bool IsExtendedResource(string name) =>
        name.Contains('/') && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal) && !name.StartsWith("requests.", StringComparison.Ordinal);

    /// <summary>A taint or toleration effect (validateTaintEffect).</summary>
    public static void TaintEffect(string? effect, bool allowEmpty, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(effect))
        {
            if (!allowEmpty)
            {
                errors.Required(path);
            }

            return;
        }

        if (!TaintEffects.Contains(effect))
        {
            errors.NotSupported(path, effect, TaintEffects);
        }
    }

    /// <summary>Whether a map selector matches a label set (every selector pair present).</summary>
    public static bool SelectorMatches(IDictionary<string, string> selector, IDictionary<string, string>? labels) =>
        selector.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>
    /// A metav1 LabelSelector (ValidateLabelSelector): matchLabels as labels, matchExpressions with a
    /// valid operator and values that fit it.
    /// </summary>
    public static void LabelSelector(V1LabelSelector? selector, string path, FieldErrors errors)
    {
        if (selector is null)
        {
            return;
        }

        Labels(selector.MatchLabels, $"{path}.matchLabels", errors);
        for (var i = 0; i < (selector.MatchExpressions?.Count ?? 0); i++)
        {
            var expr = selector.MatchExpressions![i];
            var p = $"{path}.matchExpressions[{i}]";
            switch (expr.OperatorProperty)
            {
                case "In" or "NotIn":
                    if (expr.Values is null || expr.Values.Count == 0)
                    {
                        errors.Required($"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (expr.Values is { Count: > 0 })
                    {
                        errors.Forbidden($"{p}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }

                    break;
                default:
                    errors.Invalid($"{p}.operator", expr.OperatorProperty ?? "", "not a valid selector operator");
                    break;
            }

            QualifiedName(expr.Key ?? "", $"{p}.key", errors);
            foreach (var v in expr.Values ?? [])
            {
                foreach (var msg in NameRules.LabelValue(v))
                {
                    errors.Invalid($"{p}.values", v, msg);
                }
            }
        }
    }
}
