using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// Label and annotation rules of apimachinery's metav1 validation, for labels and annotations found inside
/// specs (pod templates, selectors), which the registry's generic metadata validation does not see.
/// </summary>
internal static class MetadataValidation
{
    /// <summary>apimachinery's TotalAnnotationSizeLimitB.</summary>
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    public static void LabelName(string name, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.QualifiedName(name))
        {
            errors.Invalid(path, name, msg);
        }
    }

    public static void Labels(IDictionary<string, string>? labels, string path, FieldErrors errors)
    {
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            LabelName(k, path, errors);
            foreach (var msg in NameRules.LabelValue(v))
            {
                errors.Invalid(path, v, msg);
            }
        }
    }

    /// <summary>Annotation keys are qualified names compared case-insensitively; the total size is bounded.</summary>
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

            size += System.Text.Encoding.UTF8.GetByteCount(k) + System.Text.Encoding.UTF8.GetByteCount(v);
        }

        if (size > TotalAnnotationSizeLimit)
        {
            errors.TooLong(path, TotalAnnotationSizeLimit);
        }
    }

    /// <summary>apimachinery's ValidateNonnegativeField.</summary>
    public static void NonNegative(long? value, string path, FieldErrors errors)
    {
        if (value is < 0)
        {
            errors.Invalid(path, value.Value, "must be greater than or equal to 0");
        }
    }

    /// <summary>The DNS-1123 label rule reported against a field.</summary>
    public static void DnsLabel(string value, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.DnsLabel(value))
        {
            errors.Invalid(path, value, msg);
        }
    }

    /// <summary>The DNS-1123 subdomain rule reported against a field.</summary>
    public static void DnsSubdomain(string value, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.DnsSubdomain(value))
        {
            errors.Invalid(path, value, msg);
        }
    }

    /// <summary>Immutable-field check comparing the JSON of both values (apimachinery's ValidateImmutableField).</summary>
    public static void Immutable<TValue>(TValue? value, TValue? old, string path, FieldErrors errors, object? shownValue = null)
    {
        if (!JsonEqual(value, old))
        {
            errors.Immutable(path, shownValue ?? value);
        }
    }

    /// <summary>Semantic equality of two model values through their JSON form (map key order does not matter, as in Go's maps).</summary>
    public static bool JsonEqual<TValue>(TValue? a, TValue? b) => ApiJson.SemanticEquals(a, b);
}
