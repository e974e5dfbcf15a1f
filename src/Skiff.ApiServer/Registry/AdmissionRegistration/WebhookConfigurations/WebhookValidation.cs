using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

/// <summary>
/// Defaults and validation shared by both webhook configuration kinds (pkg/apis/admissionregistration: v1 defaults and
/// ValidateValidatingWebhookConfiguration / ValidateMutatingWebhookConfiguration).
/// </summary>
internal static class WebhookValidation
{
    private static readonly string[] FailurePolicies = ["Fail", "Ignore"];
    private static readonly string[] MatchPolicies = ["Exact", "Equivalent"];
    private static readonly string[] SideEffectClasses = ["None", "NoneOnDryRun"];
    private static readonly string[] Operations = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
    private static readonly string[] Scopes = ["*", "Cluster", "Namespaced"];
    private static readonly string[] ReinvocationPolicies = ["IfNeeded", "Never"];
    private static readonly string[] ReviewVersions = ["v1", "v1beta1"];

    /// <summary>v1 defaults: Fail, Equivalent, empty selectors, 10 s, rule scope "*".</summary>
    public static void Default(IList<V1RuleWithOperations>? rules, Action<string> failurePolicy, Action<string> matchPolicy,
        Action<V1LabelSelector> namespaceSelector, Action<V1LabelSelector> objectSelector, Action<int> timeout)
    {
        failurePolicy("Fail");
        matchPolicy("Equivalent");
        namespaceSelector(new V1LabelSelector());
        objectSelector(new V1LabelSelector());
        timeout(10);
        foreach (var rule in rules ?? [])
        {
            rule.Scope ??= "*";
        }
    }

    public static void Validate(IReadOnlyList<Webhook> webhooks, bool mutating, FieldErrors errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < webhooks.Count; i++)
        {
            var w = webhooks[i];
            var p = $"webhooks[{i}]";
            if (string.IsNullOrEmpty(w.Name))
            {
                errors.Required(p + ".name");
            }
            else
            {
                foreach (var msg in NameRules.DnsSubdomain(w.Name))
                {
                    errors.Invalid(p + ".name", w.Name, msg);
                }

                if (w.Name.Split('.').Length < 3)
                {
                    errors.Invalid(p + ".name", w.Name, "should be a domain with at least three segments separated by dots");
                }

                if (!names.Add(w.Name))
                {
                    errors.Duplicate(p + ".name", w.Name);
                }
            }

            for (var r = 0; r < (w.Rules?.Count ?? 0); r++)
            {
                ValidateRule(w.Rules![r], $"{p}.rules[{r}]", errors);
            }

            if (w.FailurePolicy is { } fp && !FailurePolicies.Contains(fp))
            {
                errors.NotSupported(p + ".failurePolicy", fp, FailurePolicies);
            }

            if (w.MatchPolicy is { } mp && !MatchPolicies.Contains(mp))
            {
                errors.NotSupported(p + ".matchPolicy", mp, MatchPolicies);
            }

            if (w.SideEffects is null)
            {
                errors.Required(p + ".sideEffects", "must specify one of None, NoneOnDryRun");
            }
            else if (!SideEffectClasses.Contains(w.SideEffects))
            {
                errors.NotSupported(p + ".sideEffects", w.SideEffects, SideEffectClasses);
            }

            if (w.TimeoutSeconds is { } t && t is < 1 or > 30)
            {
                errors.Invalid(p + ".timeoutSeconds", t, "the timeout value must be between 1 and 30 seconds");
            }

            if (w.AdmissionReviewVersions is not { Count: > 0 } versions)
            {
                errors.Required(p + ".admissionReviewVersions", "must specify one of v1, v1beta1");
            }
            else if (!versions.Any(v => ReviewVersions.Contains(v)))
            {
                errors.Invalid(p + ".admissionReviewVersions", versions, "must include at least one of v1, v1beta1");
            }

            if (mutating && w.ReinvocationPolicy is { } rp && !ReinvocationPolicies.Contains(rp))
            {
                errors.NotSupported(p + ".reinvocationPolicy", rp, ReinvocationPolicies);
            }

            if (w.MatchConditions is { Count: > 0 })
            {
                // CEL expressions need a CEL evaluator; refusing them is better than admitting requests they exclude.
                errors.Forbidden(p + ".matchConditions", "matchConditions (CEL expressions) are not supported by this server");
            }

            LabelSelectors.Validate(w.NamespaceSelector, p + ".namespaceSelector", errors);
            LabelSelectors.Validate(w.ObjectSelector, p + ".objectSelector", errors);
            ValidateClientConfig(w.ClientConfig, p + ".clientConfig", errors);
        }
    }

    private static void ValidateRule(V1RuleWithOperations rule, string p, FieldErrors errors)
    {
        if (rule.Operations is not { Count: > 0 })
        {
            errors.Required(p + ".operations");
        }
        else
        {
            if (rule.Operations.Count > 1 && rule.Operations.Contains("*"))
            {
                errors.Invalid(p + ".operations", rule.Operations, "if '*' is present, must not specify other operations");
            }

            for (var i = 0; i < rule.Operations.Count; i++)
            {
                if (!Operations.Contains(rule.Operations[i]))
                {
                    errors.NotSupported($"{p}.operations[{i}]", rule.Operations[i], Operations);
                }
            }
        }

        if (rule.ApiGroups is not { Count: > 0 })
        {
            errors.Required(p + ".apiGroups");
        }
        else if (rule.ApiGroups.Count > 1 && rule.ApiGroups.Contains("*"))
        {
            errors.Invalid(p + ".apiGroups", rule.ApiGroups, "if '*' is present, must not specify other API groups");
        }

        if (rule.ApiVersions is not { Count: > 0 })
        {
            errors.Required(p + ".apiVersions");
        }
        else
        {
            if (rule.ApiVersions.Count > 1 && rule.ApiVersions.Contains("*"))
            {
                errors.Invalid(p + ".apiVersions", rule.ApiVersions, "if '*' is present, must not specify other API versions");
            }

            for (var i = 0; i < rule.ApiVersions.Count; i++)
            {
                if (rule.ApiVersions[i].Length == 0)
                {
                    errors.Required($"{p}.apiVersions[{i}]");
                }
            }
        }

        if (rule.Resources is not { Count: > 0 })
        {
            errors.Required(p + ".resources");
        }
        else
        {
            for (var i = 0; i < rule.Resources.Count; i++)
            {
                var r = rule.Resources[i];
                var parts = r.Split('/', 2);
                if (r.Length == 0 || parts[0].Length == 0 || (parts.Length == 2 && parts[1].Length == 0))
                {
                    errors.Required($"{p}.resources[{i}]", "resource and subresource must not be empty");
                }
            }

            if (rule.Resources.Count > 1 && rule.Resources.Contains("*/*"))
            {
                errors.Invalid(p + ".resources", rule.Resources, "if '*/*' is present, must not specify other resources");
            }
        }

        if (rule.Scope is { } scope && !Scopes.Contains(scope))
        {
            errors.NotSupported(p + ".scope", scope, Scopes);
        }
    }

    private static void ValidateClientConfig(Admissionregistrationv1WebhookClientConfig? cc, string p, FieldErrors errors)
    {
        var hasUrl = !string.IsNullOrEmpty(cc?.Url);
        var hasService = cc?.Service is not null;
        if (hasUrl == hasService)
        {
            errors.Required(p, "exactly one of url or service is required");
            return;
        }

        if (hasUrl)
        {
            var f = p + ".url";
            if (!Uri.TryCreate(cc!.Url, UriKind.Absolute, out var u))
            {
                errors.Invalid(f, cc.Url, "must be a valid URL");
            }
            else if (u.Scheme != "https")
            {
                errors.Invalid(f, u.Scheme, "'https' is the only allowed URL scheme");
            }
            else if (u.Host.Length == 0)
            {
                errors.Invalid(f, u.Host, "host must be specified");
            }
            else if (u.UserInfo.Length > 0)
            {
                errors.Invalid(f, u.UserInfo, "user information is not permitted in the URL");
            }
            else if (u.Fragment.Length > 0 || u.Query.Length > 0)
            {
                errors.Invalid(f, u.Fragment + u.Query, "fragments and query parameters are not permitted in the URL");
            }

            return;
        }

        var s = cc!.Service;
        if (string.IsNullOrEmpty(s.Name))
        {
            errors.Required(p + ".service.name", "service name is required");
        }

        if (string.IsNullOrEmpty(s.NamespaceProperty))
        {
            errors.Required(p + ".service.namespace", "service namespace is required");
        }

        if (s.Path is { Length: > 0 } path && !path.StartsWith('/'))
        {
            errors.Invalid(p + ".service.path", path, "must start with a '/'");
        }

        if (s.Port is { } port && port is < 1 or > 65535)
        {
            errors.Invalid(p + ".service.port", port, "port is not valid: must be between 1 and 65535, inclusive");
        }
    }
}
