using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Label selector matching with apimachinery's rules for metav1.LabelSelector and map selectors.</summary>
internal static class Selectors
{
    /// <summary>
    /// metav1.LabelSelectorAsSelector semantics: a null selector matches nothing, an empty one everything.
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
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var value);
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

        return true;
    }

    public static bool IsEmpty(V1LabelSelector? selector) =>
        selector is not null && (selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0;

    /// <summary>A map selector (ReplicationController, Service): every pair must be present; an empty map matches nothing here.</summary>
    public static bool MatchesMap(IDictionary<string, string>? selector, IDictionary<string, string>? labels)
    {
        if (selector is null || selector.Count == 0)
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        return selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);
    }
}
