using k8s.Models;

namespace Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

/// <summary>
/// One webhook of a Mutating- or ValidatingWebhookConfiguration, as one shape: the two model types carry the same
/// fields (mutating ones add reinvocationPolicy), and validation, matching and calling treat them alike.
/// </summary>
internal sealed record Webhook(
    string Name,
    Admissionregistrationv1WebhookClientConfig? ClientConfig,
    IList<V1RuleWithOperations>? Rules,
    string? FailurePolicy,
    string? MatchPolicy,
    V1LabelSelector? NamespaceSelector,
    V1LabelSelector? ObjectSelector,
    string? SideEffects,
    int? TimeoutSeconds,
    IList<string>? AdmissionReviewVersions,
    IList<V1MatchCondition>? MatchConditions,
    string? ReinvocationPolicy)
{
    /// <summary>The configuration the webhook belongs to (for messages and metrics).</summary>
    public string Configuration { get; init; } = "";

    public static Webhook From(V1ValidatingWebhook w) => new(w.Name ?? "", w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy,
        w.NamespaceSelector, w.ObjectSelector, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, null);

    public static Webhook From(V1MutatingWebhook w) => new(w.Name ?? "", w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy,
        w.NamespaceSelector, w.ObjectSelector, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, w.ReinvocationPolicy);
}
