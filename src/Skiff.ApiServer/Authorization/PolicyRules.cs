using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>RBAC rule matching, as Kubernetes' rbac/v1 helpers define it (wildcards, subresources, resourceNames, non-resource URL prefixes).</summary>
internal static class PolicyRules
{
    public static bool Allows(V1PolicyRule rule, AuthorizationAttributes a)
    {
        if (!Has(rule.Verbs, a.Verb))
        {
            return false;
        }

        if (!a.IsResourceRequest)
        {
            return NonResourceUrlMatches(rule.NonResourceURLs, a.Path);
        }

        if (rule.Resources is null || rule.Resources.Count == 0 || !Has(rule.ApiGroups, a.ApiGroup))
        {
            return false;
        }

        var combined = a.Subresource.Length == 0 ? a.Resource : a.Resource + "/" + a.Subresource;
        var resourceMatch = false;
        foreach (var r in rule.Resources)
        {
            if (r == "*" || r == combined || (a.Subresource.Length > 0 && r == "*/" + a.Subresource))
            {
                resourceMatch = true;
                break;
            }
        }

        if (!resourceMatch)
        {
            return false;
        }

        // resourceNames restrict named requests; a rule with names never allows list/watch/create of the collection by name-less request.
        return rule.ResourceNames is null || rule.ResourceNames.Count == 0 || (a.Name.Length > 0 && rule.ResourceNames.Contains(a.Name));
    }

    private static bool Has(IList<string>? values, string value)
    {
        if (values is null)
        {
            return false;
        }

        foreach (var v in values)
        {
            if (v == "*" || v == value)
            {
                return true;
            }
        }

        return false;
    }

    private static bool NonResourceUrlMatches(IList<string>? urls, string path)
    {
        if (urls is null)
        {
            return false;
        }

        foreach (var u in urls)
        {
            if (u == "*" || u == path || (u.EndsWith('*') && path.StartsWith(u[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
