using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// <c>metav1.LabelSelector</c> semantics: validation (apimachinery's ValidateLabelSelector), matching
/// (LabelSelectorAsSelector + Matches) and the string form printers use (FormatLabelSelector).
/// </summary>
internal static class LabelSelectors
{
    private static readonly string[] Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    /// <summary>Whether the selector has no requirements (matches everything when not nil).</summary>
    public static bool IsEmpty(V1LabelSelector? selector) =>
        selector is null || ((selector.MatchLabels?.Count ?? 0) + (selector.MatchExpressions?.Count ?? 0)) == 0;

    /// <summary>
    /// Checks a selector as apimachinery's ValidateLabelSelector does: matchLabels first, then each requirement's
    /// operator, key and (strictly validated) values, each value reported at its index.
    /// </summary>
    public static void Validate(V1LabelSelector? selector, string path, FieldErrors errors)
    {
        if (selector is null)
        {
            return;
        }

        FieldRules.Labels(selector.MatchLabels, path + ".matchLabels", errors);
        for (var i = 0; i < (selector.MatchExpressions?.Count ?? 0); i++)
        {
            var r = selector.MatchExpressions![i];
            var p = $"{path}.matchExpressions[{i}]";
            switch (r.OperatorProperty)
            {
                case "In" or "NotIn":
                    if ((r.Values?.Count ?? 0) == 0)
                    {
                        errors.Required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if ((r.Values?.Count ?? 0) > 0)
                    {
                        errors.Forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }

                    break;
                default:
                    errors.Invalid(p + ".operator", r.OperatorProperty ?? "", "not a valid selector operator");
                    break;
            }

            FieldRules.QualifiedName(r.Key ?? "", p + ".key", errors);
            for (var j = 0; j < (r.Values?.Count ?? 0); j++)
            {
                foreach (var msg in NameRules.LabelValue(r.Values![j]))
                {
                    errors.Invalid($"{p}.values[{j}]", r.Values[j], msg);
                }
            }
        }
    }

    /// <summary>
    /// Whether a map selector (a ReplicationController's or Service's) matches a label set: every pair present.
    /// An empty map matches everything, as labels.SelectorFromSet does.
    /// </summary>
    public static bool MatchesMap(IDictionary<string, string> selector, IDictionary<string, string>? labels) =>
        selector.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>
    /// Whether <paramref name="labels"/> satisfy the selector. A nil selector matches nothing and an empty
    /// one everything, as LabelSelectorAsSelector returns Nothing and Everything.
    /// </summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(k, out var have) || have != v)
            {
                return false;
            }
        }

        foreach (var r in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(r.Key ?? "", out var value);
            var ok = r.OperatorProperty switch
            {
                "In" => has && (r.Values?.Contains(value!) ?? false),
                "NotIn" => !has || !(r.Values?.Contains(value!) ?? false),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the selector converts to a labels.Selector (operators known, In/NotIn with values).</summary>
    public static bool IsConvertible(V1LabelSelector? selector) =>
        selector?.MatchExpressions is null || selector.MatchExpressions.All(r =>
            Operators.Contains(r.OperatorProperty) &&
            (r.OperatorProperty is not ("In" or "NotIn") || (r.Values?.Count ?? 0) > 0) &&
            (r.OperatorProperty is not ("Exists" or "DoesNotExist") || (r.Values?.Count ?? 0) == 0));

    /// <summary>
    /// The selector as labels.Selector.String() writes it: requirements sorted by key, <c>k=v</c>,
    /// <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>; empty string for nil or empty selectors.
    /// </summary>
    public static string ToSelectorString(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return "";
        }

        var reqs = new List<(string Key, string Text)>();
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            reqs.Add((k, $"{k}={v}"));
        }

        foreach (var r in selector.MatchExpressions ?? [])
        {
            var key = r.Key ?? "";
            var values = string.Join(",", (r.Values ?? []).Distinct().OrderBy(v => v, StringComparer.Ordinal));
            reqs.Add((key, r.OperatorProperty switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                _ => key,
            }));
        }

        return string.Join(",", reqs.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary>metav1.FormatLabelSelector: the selector string, <c>&lt;none&gt;</c> when empty, <c>&lt;error&gt;</c> when invalid.</summary>
    public static string Format(V1LabelSelector? selector)
    {
        if (!IsConvertible(selector))
        {
            return "<error>";
        }

        var s = ToSelectorString(selector);
        return s.Length == 0 ? "<none>" : s;
    }
}
