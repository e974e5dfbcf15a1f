using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

/// <summary>admissionregistration.k8s.io/v1 MutatingWebhookConfigurations (pkg/registry/admissionregistration/mutatingwebhookconfiguration).</summary>
internal sealed class MutatingWebhookConfigurationStrategy : ResourceStrategy<V1MutatingWebhookConfiguration>
{
    public override TableConvertor<V1MutatingWebhookConfiguration> Table { get; } =
        new WebhookConfigurationTable<V1MutatingWebhookConfiguration>(c => c.Webhooks?.Count ?? 0);

    public override bool TracksGeneration => true;

    public override void Default(V1MutatingWebhookConfiguration obj)
    {
        foreach (var w in obj.Webhooks ?? [])
        {
            WebhookValidation.Default(w.Rules, v => w.FailurePolicy ??= v, v => w.MatchPolicy ??= v,
                v => w.NamespaceSelector ??= v, v => w.ObjectSelector ??= v, v => w.TimeoutSeconds ??= v);
            w.ReinvocationPolicy ??= "Never";
            if (w.ClientConfig?.Service is { } s)
            {
                s.Port ??= 443;
            }
        }
    }

    public override void Validate(V1MutatingWebhookConfiguration obj, FieldErrors errors) =>
        WebhookValidation.Validate((obj.Webhooks ?? []).Select(Webhook.From).ToList(), mutating: true, errors);
}
