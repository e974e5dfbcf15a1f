using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

/// <summary>admissionregistration.k8s.io/v1 ValidatingWebhookConfigurations (pkg/registry/admissionregistration/validatingwebhookconfiguration).</summary>
internal sealed class ValidatingWebhookConfigurationStrategy : ResourceStrategy<V1ValidatingWebhookConfiguration>
{
    public override TableConvertor<V1ValidatingWebhookConfiguration> Table { get; } =
        new WebhookConfigurationTable<V1ValidatingWebhookConfiguration>(c => c.Webhooks?.Count ?? 0);

    public override bool TracksGeneration => true;

    public override void Default(V1ValidatingWebhookConfiguration obj)
    {
        foreach (var w in obj.Webhooks ?? [])
        {
            WebhookValidation.Default(w.Rules, v => w.FailurePolicy ??= v, v => w.MatchPolicy ??= v,
                v => w.NamespaceSelector ??= v, v => w.ObjectSelector ??= v, v => w.TimeoutSeconds ??= v);
            if (w.ClientConfig?.Service is { } s)
            {
                s.Port ??= 443;
            }
        }
    }

    public override void Validate(V1ValidatingWebhookConfiguration obj, FieldErrors errors) =>
        WebhookValidation.Validate((obj.Webhooks ?? []).Select(Webhook.From).ToList(), mutating: false, errors);
}
