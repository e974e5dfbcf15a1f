using System.Globalization;
using System.Text;
using k8s.Models;

namespace Skiff.Api.Validation;

/// <summary>
/// A field-error bad value that renders the way Go's <c>%#v</c> renders it in apimachinery's field.Error
/// (e.g. <c>map[string]string{"app":"web"}</c>, <c>[]string{"10.0.0.1"}</c>,
/// <c>v1.LabelSelector{MatchLabels:..., MatchExpressions:...}</c>), for the messages where Kubernetes prints
/// a map, a slice or a struct rather than a scalar. <see cref="FieldError"/> formats <see cref="IFormattable"/>
/// values verbatim, so wrapping a value in this type makes the message read exactly as kube-apiserver's.
/// </summary>
public sealed class GoValue(string text) : IFormattable
{
    /// <summary>Text printed verbatim (a struct or nil literal built by the caller).</summary>
    public static GoValue Raw(string text) => new(text);

    /// <summary>A string map with keys sorted, as fmt sorts map keys; nil prints as <c>map[string]string(nil)</c>.</summary>
    public static GoValue StringMap(IDictionary<string, string>? map, string type = "map[string]string") => new(MapText(map, type));

    /// <summary>A string slice; nil prints as <c>[]string(nil)</c>.</summary>
    public static GoValue StringSlice(IEnumerable<string>? items, string type = "[]string") => new(SliceText(items, type));

    /// <summary>
    /// A <c>v1.LabelSelector</c> value (the struct, not the pointer: apimachinery dereferences pointers);
    /// a missing selector prints as <c>null</c>.
    /// </summary>
    public static GoValue Selector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return new GoValue("null");
        }

        var expressions = selector.MatchExpressions is null
            ? "[]v1.LabelSelectorRequirement(nil)"
            : "[]v1.LabelSelectorRequirement{" + string.Join(", ", selector.MatchExpressions.Select(r =>
                $"v1.LabelSelectorRequirement{{Key:{Quote(r.Key ?? "")}, Operator:{Quote(r.OperatorProperty ?? "")}, Values:{SliceText(r.Values, "[]string")}}}")) + "}";
        return new GoValue($"v1.LabelSelector{{MatchLabels:{MapText(selector.MatchLabels, "map[string]string")}, MatchExpressions:{expressions}}}");
    }

    /// <summary>Go's <c>%q</c> of a string.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => text;

    public override string ToString() => text;

    private static string MapText(IDictionary<string, string>? map, string type) =>
        map is null
            ? $"{type}(nil)"
            : type + "{" + string.Join(", ", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Quote(kv.Key) + ":" + Quote(kv.Value))) + "}";

    private static string SliceText(IEnumerable<string>? items, string type) =>
        items is null ? $"{type}(nil)" : $"{type}{{{string.Join(", ", items.Select(Quote))}}}";
}
