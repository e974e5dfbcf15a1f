namespace Skiff.Api.Selectors;

/// <summary>
/// A parsed field selector (<c>?fieldSelector=spec.nodeName=n1,status.phase!=Failed</c>): a conjunction of
/// <c>=</c>, <c>==</c> and <c>!=</c> terms, with backslash escapes as in apimachinery's fields package.
/// </summary>
public sealed class FieldSelector
{
    public static readonly FieldSelector Everything = new([]);

    private FieldSelector(IReadOnlyList<FieldTerm> terms) => Terms = terms;

    public IReadOnlyList<FieldTerm> Terms { get; }

    public bool IsEverything => Terms.Count == 0;

    /// <summary>Whether the object's field values satisfy every term; <paramref name="lookup"/> gives a field's value or null if unsupported.</summary>
    public bool Matches(Func<string, string?> lookup)
    {
        foreach (var t in Terms)
        {
            var v = lookup(t.Field) ?? string.Empty;
            if (t.Equal != (v == t.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The value required by an equality term on <paramref name="field"/>, if any (used to narrow lists, e.g. by name).</summary>
    public string? RequiredValue(string field) => Terms.FirstOrDefault(t => t.Equal && t.Field == field)?.Value;

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<FieldTerm>();
        foreach (var part in SplitUnescaped(text, ','))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var (field, value, equal) = SplitTerm(part);
            terms.Add(new FieldTerm(field.Trim(), Unescape(value), equal));
        }

        return new FieldSelector(terms);
    }

    private static (string Field, string Value, bool Equal) SplitTerm(string part)
    {
        for (var i = 0; i < part.Length; i++)
        {
            if (part[i] == '\\')
            {
                i++;
                continue;
            }

            if (part[i] == '!' && i + 1 < part.Length && part[i + 1] == '=')
            {
                return (part[..i], part[(i + 2)..], false);
            }

            if (part[i] == '=')
            {
                var skip = i + 1 < part.Length && part[i + 1] == '=' ? 2 : 1;
                return (part[..i], part[(i + skip)..], true);
            }
        }

        throw new SelectorParseException($"invalid selector: '{part}'; can't understand '{part}'");
    }

    private static IEnumerable<string> SplitUnescaped(string text, char sep)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == sep)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\'))
        {
            return s;
        }

        var sb = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            sb.Append(s[i]);
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(",", Terms.Select(t => $"{t.Field}{(t.Equal ? "=" : "!=")}{t.Value}"));
}
