using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// Which requests a webhook is called for (kube-apiserver's webhook/predicates): its rules (operations, API groups,
/// versions, resources with subresources, scope; matchPolicy Equivalent also matches the other served versions of the
/// same stored resource), its namespaceSelector and its objectSelector.
/// </summary>
internal static class WebhookRules
{
    /// <summary>The served versions that share storage with <paramref name="info"/> (autoscaling/v1 and v2 HPAs, both events).</summary>
    public static IEnumerable<ResourceInfo> Equivalents(ResourceInfo info)
    {
        var storage = $"{info.GroupResource}/{info.Version}";
        return BuiltInResources.Resources.Where(r => r.StorageGroupResource == storage);
    }

    /// <summary>Whether the request matches any rule; with matchPolicy Equivalent, an equivalent resource version matching counts.</summary>
    public static bool MatchesRules(Webhook webhook, AdmissionAttributes a)
    {
        var candidates = webhook.MatchPolicy == "Exact" ? [a.Resource] : Equivalents(a.Resource).Prepend(a.Resource);
        return candidates.Any(info => (webhook.Rules ?? []).Any(rule => RuleMatches(rule, a.Operation, info, a.Subresource)));
    }

    public static bool RuleMatches(V1RuleWithOperations rule, AdmissionOperation operation, ResourceInfo info, string? subresource)
    {
        var op = operation.ToString().ToUpperInvariant();
        if (!(rule.Operations ?? []).Any(o => o == "*" || o == op))
        {
            return false;
        }

        if (!(rule.ApiGroups ?? []).Any(g => g == "*" || g == info.Group) || !(rule.ApiVersions ?? []).Any(v => v == "*" || v == info.Version))
        {
            return false;
        }

        var scope = rule.Scope ?? "*";
        if ((scope == "Cluster" && info.Namespaced) || (scope == "Namespaced" && !info.Namespaced))
        {
            return false;
        }

        foreach (var r in rule.Resources ?? [])
        {
            if (r == "*/*")
            {
                return true;
            }

            var slash = r.IndexOf('/');
            var res = slash < 0 ? r : r[..slash];
            var sub = slash < 0 ? null : r[(slash + 1)..];
            if (res != "*" && res != info.Plural)
            {
                continue;
            }

            if (subresource is null ? sub is null : sub is not null && (sub == "*" || sub == subresource))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// objectSelector: matches when the new or the old object's labels match (an empty selector matches everything;
    /// a request without objects, such as a CONNECT, matches only the empty selector).
    /// </summary>
    public static bool MatchesObject(V1LabelSelector? selector, AdmissionAttributes a)
    {
        if (LabelSelectors.IsEmpty(selector))
        {
            return true;
        }

        return (Labels(a.Object) is { } n && LabelSelectors.Matches(selector, n)) || (Labels(a.OldObject) is { } o && LabelSelectors.Matches(selector, o));
    }

    /// <summary>
    /// namespaceSelector: cluster-scoped requests always match, except namespaces themselves, which are matched by their
    /// own labels; namespaced requests by their namespace's labels.
    /// </summary>
    public static bool MatchesNamespace(V1LabelSelector? selector, AdmissionAttributes a, Func<string, IDictionary<string, string>?> namespaceLabels)
    {
        if (LabelSelectors.IsEmpty(selector))
        {
            return true;
        }

        if (a.Resource.Group.Length == 0 && a.Resource.Plural == "namespaces")
        {
            return LabelSelectors.Matches(selector, Labels(a.Object ?? a.OldObject) ?? new Dictionary<string, string>());
        }

        if (!a.Resource.Namespaced || string.IsNullOrEmpty(a.Namespace))
        {
            return true;
        }

        return LabelSelectors.Matches(selector, namespaceLabels(a.Namespace) ?? new Dictionary<string, string>());
    }

    private static IDictionary<string, string>? Labels(object? obj) =>
        obj is IKubernetesObject<V1ObjectMeta> k ? k.Metadata?.Labels ?? new Dictionary<string, string>() : null;
}
