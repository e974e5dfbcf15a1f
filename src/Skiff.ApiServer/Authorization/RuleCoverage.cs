using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Whether one set of RBAC rules covers another (Kubernetes' rbac validation.Covers): every rule of the servant set,
/// broken down to one verb on one group, resource (or URL) and name, must be allowed by some owner rule. Wildcards
/// count only on the owner's side. Also formats uncovered rules as Kubernetes prints them.
/// </summary>
internal static class RuleCoverage
{
    /// <summary>The parts of <paramref name="servant"/> that <paramref name="owner"/> does not cover, compacted and sorted; empty when covered.</summary>
    public static IReadOnlyList<V1PolicyRule> Uncovered(IReadOnlyList<V1PolicyRule> owner, IEnumerable<V1PolicyRule> servant)
    {
        var missing = new List<V1PolicyRule>();
        foreach (var rule in servant)
        {
            foreach (var atom in Breakdown(rule))
            {
                if (!owner.Any(o => Covers(o, atom)))
                {
                    missing.Add(atom);
                }
            }
        }

        return Compact(missing).OrderBy(CompactString, StringComparer.Ordinal).ToList();
    }

    /// <summary>One rule per verb and group/resource/name (or URL), as rbac's BreakdownRule.</summary>
    internal static IEnumerable<V1PolicyRule> Breakdown(V1PolicyRule rule)
    {
        var verbs = rule.Verbs ?? [];
        foreach (var group in rule.ApiGroups ?? [])
        {
            foreach (var resource in rule.Resources ?? [])
            {
                foreach (var verb in verbs)
                {
                    if (rule.ResourceNames is { Count: > 0 } names)
                    {
                        foreach (var name in names)
                        {
                            yield return new V1PolicyRule { ApiGroups = [group], Resources = [resource], ResourceNames = [name], Verbs = [verb] };
                        }
                    }
                    else
                    {
                        yield return new V1PolicyRule { ApiGroups = [group], Resources = [resource], Verbs = [verb] };
                    }
                }
            }
        }

        foreach (var url in rule.NonResourceURLs ?? [])
        {
            foreach (var verb in verbs)
            {
                yield return new V1PolicyRule { NonResourceURLs = [url], Verbs = [verb] };
            }
        }
    }

    internal static bool Covers(V1PolicyRule owner, V1PolicyRule servant)
    {
        if (!HasAll(owner.Verbs, servant.Verbs))
        {
            return false;
        }

        if (servant.NonResourceURLs is { Count: > 0 })
        {
            return (servant.NonResourceURLs).All(u => (owner.NonResourceURLs ?? []).Any(o => o == "*" || o == u || (o.EndsWith('*') && u.StartsWith(o[..^1], StringComparison.Ordinal))));
        }

        if (!HasAll(owner.ApiGroups, servant.ApiGroups) || !ResourcesCovered(owner.Resources, servant.Resources))
        {
            return false;
        }

        return owner.ResourceNames is null || owner.ResourceNames.Count == 0
            || (servant.ResourceNames is { Count: > 0 } names && names.All(owner.ResourceNames.Contains));
    }

    private static bool HasAll(IList<string>? owner, IList<string>? servant) =>
        owner is not null && (owner.Contains("*") || (servant ?? []).All(owner.Contains));

    private static bool ResourcesCovered(IList<string>? owner, IList<string>? servant)
    {
        if (owner is null)
        {
            return false;
        }

        if (owner.Contains("*"))
        {
            return true;
        }

        foreach (var r in servant ?? [])
        {
            if (owner.Contains(r))
            {
                continue;
            }

            // "pods/*" covers every pods subresource and "*/scale" every resource's scale.
            var slash = r.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && (owner.Contains(r[..slash] + "/*") || owner.Contains("*" + r[slash..])))
            {
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>Merges simple rules (one group, one resource, no names) that differ only in verbs, as rbac's CompactRules.</summary>
    private static List<V1PolicyRule> Compact(List<V1PolicyRule> rules)
    {
        var result = new List<V1PolicyRule>();
        var simple = new Dictionary<(string, string), V1PolicyRule>();
        foreach (var r in rules)
        {
            if (r.ApiGroups is { Count: 1 } && r.Resources is { Count: 1 } && (r.ResourceNames is null || r.ResourceNames.Count == 0) && (r.NonResourceURLs is null || r.NonResourceURLs.Count == 0))
            {
                var key = (r.ApiGroups[0], r.Resources[0]);
                if (simple.TryGetValue(key, out var existing))
                {
                    foreach (var v in r.Verbs ?? [])
                    {
                        if (!existing.Verbs.Contains(v))
                        {
                            existing.Verbs.Add(v);
                        }
                    }

                    continue;
                }

                var copy = new V1PolicyRule { ApiGroups = [.. r.ApiGroups], Resources = [.. r.Resources], Verbs = [.. r.Verbs ?? []] };
                simple[key] = copy;
                result.Add(copy);
                continue;
            }

            result.Add(r);
        }

        return result;
    }

    /// <summary>Kubernetes' CompactString: <c>{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}</c>.</summary>
    public static string CompactString(V1PolicyRule r)
    {
        var parts = new List<string>();
        void Part(string name, IList<string>? values)
        {
            if (values is { Count: > 0 })
            {
                parts.Add($"{name}:{GoList(values)}");
            }
        }

        Part("APIGroups", r.ApiGroups);
        Part("Resources", r.Resources);
        Part("NonResourceURLs", r.NonResourceURLs);
        Part("ResourceNames", r.ResourceNames);
        Part("Verbs", r.Verbs);
        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>Go's %q of a string slice: <c>["a" "b"]</c>.</summary>
    public static string GoList(IEnumerable<string> values) =>
        "[" + string.Join(" ", values.Select(Admission.PodSecurity.Text.GoQuote)) + "]";
}
