using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>Label and node selector matching with apimachinery's and component-helpers' rules.</summary>
internal static class LabelSelectors
{
    /// <summary>metav1.LabelSelectorAsSelector semantics: a null selector matches nothing, an empty one everything.</summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        if (selector.MatchLabels is { } matchLabels)
        {
            foreach (var (k, v) in matchLabels)
            {
                if (labels is null || !labels.TryGetValue(k, out var actual) || actual != v)
                {
                    return false;
                }
            }
        }

        if (selector.MatchExpressions is { } expressions)
        {
            foreach (var e in expressions)
            {
                string? value = null;
                var has = labels is not null && labels.TryGetValue(e.Key, out value);
                var ok = e.OperatorProperty switch
                {
                    "In" => has && (e.Values ?? []).Contains(value!),
                    "NotIn" => !has || !(e.Values ?? []).Contains(value!),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>A pod's nodeSelector map: every pair must be on the node.</summary>
    public static bool MatchesMap(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is null || selector.All(p => labels is not null && labels.TryGetValue(p.Key, out var v) && v == p.Value);

    /// <summary>
    /// A NodeSelector (required node affinity): the terms are ORed, an empty term matches nothing, the
    /// requirements of one term are ANDed (component-helpers' nodeaffinity.NodeSelector).
    /// </summary>
    public static bool Matches(V1NodeSelector selector, V1Node node) => selector.NodeSelectorTerms?.Any(t => Matches(t, node)) == true;

    public static bool Matches(V1NodeSelectorTerm term, V1Node node)
    {
        var hasExpressions = term.MatchExpressions is { Count: > 0 };
        var hasFields = term.MatchFields is { Count: > 0 };
        if (!hasExpressions && !hasFields)
        {
            return false;
        }

        var labels = node.Metadata.Labels;
        if (hasExpressions && !term.MatchExpressions!.All(r => Matches(r, labels?.TryGetValue(r.Key, out var v) == true ? v : null, labels?.ContainsKey(r.Key) == true)))
        {
            return false;
        }

        // Only metadata.name is a supported field (kube-scheduler's node field selector).
        return !hasFields || term.MatchFields!.All(r => r.Key == "metadata.name" && Matches(r, node.Metadata.Name, true));
    }

    private static bool Matches(V1NodeSelectorRequirement r, string? value, bool has) => r.OperatorProperty switch
    {
        "In" => has && (r.Values ?? []).Contains(value!),
        "NotIn" => !has || !(r.Values ?? []).Contains(value!),
        "Exists" => has,
        "DoesNotExist" => !has,
        "Gt" => has && long.TryParse(value, out var gv) && r.Values is [var g] && long.TryParse(g, out var gl) && gv > gl,
        "Lt" => has && long.TryParse(value, out var lv) && r.Values is [var l] && long.TryParse(l, out var ll) && lv < ll,
        _ => false,
    };
}
