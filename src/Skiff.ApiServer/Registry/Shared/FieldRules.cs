using System.Text;
using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// Field-level rules the strategies share, after apimachinery's metav1 validation and
/// pkg/apis/core/validation/validation.go: label and annotation maps found inside specs (which the
/// registry's <see cref="ObjectMetaValidation"/> does not see), names, non-negative numbers and quantities,
/// resource names, taint effects and immutability. Messages are Kubernetes' own. Pure: adds errors, never throws.
/// </summary>
internal static class FieldRules
{
    /// <summary>apimachinery's TotalAnnotationSizeLimitB.</summary>
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    public const string NegativeMessage = "must be greater than or equal to 0";
    public const string NotPositiveMessage = "must be greater than zero";
    public const string NotIntegerMessage = "must be an integer";

    public static readonly string[] PortProtocols = ["SCTP", "TCP", "UDP"];
    public static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
    public static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
    public static readonly string[] VolumeModes = ["Block", "Filesystem"];

    /// <summary>A qualified name such as a label key (ValidateQualifiedName / ValidateLabelName).</summary>
    public static void QualifiedName(string value, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.QualifiedName(value))
        {
            errors.Invalid(path, value, msg);
        }
    }

    /// <summary>Label keys and values (unversionedvalidation.ValidateLabels); every error is reported against the map.</summary>
    public static void Labels(IDictionary<string, string>? labels, string path, FieldErrors errors)
    {
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            QualifiedName(k, path, errors);
            foreach (var msg in NameRules.LabelValue(v ?? ""))
            {
                errors.Invalid(path, v, msg);
            }
        }
    }

    /// <summary>Annotation keys are qualified names compared case-insensitively; the total size is bounded (ValidateAnnotations).</summary>
    public static void Annotations(IDictionary<string, string>? annotations, string path, FieldErrors errors)
    {
        if (annotations is null)
        {
            return;
        }

        long size = 0;
        foreach (var (k, v) in annotations)
        {
            foreach (var msg in NameRules.QualifiedName(k.ToLowerInvariant()))
            {
                errors.Invalid(path, k, msg);
            }

            size += Encoding.UTF8.GetByteCount(k) + Encoding.UTF8.GetByteCount(v ?? "");
        }

        if (size > TotalAnnotationSizeLimit)
        {
            errors.TooLong(path, TotalAnnotationSizeLimit);
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

    /// <summary>A strictly positive quantity (ValidatePositiveQuantityValue).</summary>
    public static void Positive(ResourceQuantity? value, string path, FieldErrors errors)
    {
        if (value is not null && value.ToDecimal() <= 0)
        {
            errors.Invalid(path, QuantityText(value), NotPositiveMessage);
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

    /// <summary>A resource list of non-negative quantities with valid names (limit ranges, quotas).</summary>
    public static void ResourceList(IDictionary<string, ResourceQuantity>? list, string path, FieldErrors errors)
    {
        foreach (var (name, q) in list ?? new Dictionary<string, ResourceQuantity>())
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
        QualifiedName(name, path, errors);
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

    /// <summary>Immutable-field check comparing both values semantically (apimachinery's ValidateImmutableField).</summary>
    public static void Immutable<TValue>(TValue? value, TValue? old, string path, FieldErrors errors, object? shownValue = null)
    {
        if (!SpecDiff.JsonEqual(value, old))
        {
            errors.Immutable(path, shownValue ?? value);
        }
    }
}
