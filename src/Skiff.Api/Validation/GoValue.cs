using System.Globalization;
using System.Text;

namespace Skiff.Api.Validation;

/// <summary>
/// A field-error bad value that renders the way Go's <c>%#v</c> renders it in apimachinery's field.Error
/// (e.g. <c>map[string]string{"app":"web"}</c>, <c>[]string{"10.0.0.1"}</c>), for the few messages where
/// Kubernetes prints a map, a slice or a struct rather than a scalar.
/// </summary>
public sealed class GoValue(string text) : IFormattable
{
    public static GoValue StringMap(IDictionary<string, string>? map, string type = "map[string]string")
    {
        if (map is null)
        {
            return new GoValue($"{type}(nil)");
        }

        var sb = new StringBuilder(type).Append('{');
        var first = true;
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            sb.Append(Quote(k)).Append(':').Append(Quote(v));
        }

        return new GoValue(sb.Append('}').ToString());
    }

    public static GoValue StringSlice(IEnumerable<string>? items, string type = "[]string") =>
        items is null ? new GoValue($"{type}(nil)") : new GoValue($"{type}{{{string.Join(", ", items.Select(Quote))}}}");

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
}
