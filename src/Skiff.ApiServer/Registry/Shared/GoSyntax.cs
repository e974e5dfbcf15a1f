using System.Globalization;
using System.Text;
using k8s.Models;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// A field-error value printed the way Go's <c>%#v</c> prints it, which is how apimachinery's field.Error
/// renders maps and structs (e.g. <c>map[string]string{"app":"web"}</c>,
/// <c>v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}</c>).
/// <see cref="Skiff.Api.Validation.FieldError"/> formats <see cref="IFormattable"/> values verbatim, so wrapping a value
/// in this type makes error messages read exactly as kube-apiserver's.
/// </summary>
internal sealed class GoSyntax : IFormattable
{
    private readonly string _text;

    private GoSyntax(string text) => _text = text;

    public override string ToString() => _text;

    public string ToString(string? format, IFormatProvider? formatProvider) => _text;

    /// <summary>A <c>map[string]string</c> (keys sorted, as fmt sorts map keys); nil maps print as <c>map[string]string(nil)</c>.</summary>
    public static GoSyntax Map(IDictionary<string, string>? map) => new(MapText(map));

    /// <summary>A <c>v1.LabelSelector</c> value (the struct, not the pointer: apimachinery dereferences pointers).</summary>
    public static GoSyntax Selector(V1LabelSelector? selector) =>
        selector is null ? new GoSyntax("null") : new GoSyntax(SelectorText(selector));

    /// <summary>A <c>[]string</c>.</summary>
    public static GoSyntax Strings(IEnumerable<string>? values) =>
        values is null ? new GoSyntax("[]string(nil)") : new GoSyntax("[]string{" + string.Join(", ", values.Select(Quote)) + "}");

    /// <summary>Text printed verbatim.</summary>
    public static GoSyntax Raw(string text) => new(text);

    internal static string MapText(IDictionary<string, string>? map)
    {
        if (map is null)
        {
            return "map[string]string(nil)";
        }

        var sb = new StringBuilder("map[string]string{");
        var first = true;
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(Quote(k)).Append(':').Append(Quote(v));
        }

        return sb.Append('}').ToString();
    }

    private static string SelectorText(V1LabelSelector selector)
    {
        var sb = new StringBuilder("v1.LabelSelector{MatchLabels:");
        sb.Append(MapText(selector.MatchLabels));
        sb.Append(", MatchExpressions:");
        if (selector.MatchExpressions is null)
        {
            sb.Append("[]v1.LabelSelectorRequirement(nil)");
        }
        else
        {
            sb.Append("[]v1.LabelSelectorRequirement{");
            sb.Append(string.Join(", ", selector.MatchExpressions.Select(r =>
                $"v1.LabelSelectorRequirement{{Key:{Quote(r.Key ?? "")}, Operator:{Quote(r.OperatorProperty ?? "")}, Values:{(r.Values is null ? "[]string(nil)" : "[]string{" + string.Join(", ", r.Values.Select(Quote)) + "}")}}}")));
            sb.Append('}');
        }

        return sb.Append('}').ToString();
    }

    /// <summary>Go's <c>%q</c> for the printable-ASCII strings labels and names consist of.</summary>
    private static string Quote(string s)
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
}
