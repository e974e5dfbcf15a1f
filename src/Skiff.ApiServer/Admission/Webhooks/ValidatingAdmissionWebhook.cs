using k8s.Models;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// kube-apiserver's ValidatingAdmissionWebhook plugin: every matching validating webhook is called in parallel on the
/// final object; the request fails with the first (in webhook order) denial or failure.
/// </summary>
internal sealed class ValidatingAdmissionWebhook(WebhookSource source, WebhookAdmission webhooks) : IValidatingAdmissionPlugin
{
    public string Name => "ValidatingAdmissionWebhook";

    public bool Handles(AdmissionAttributes attributes) =>
        !WebhookAdmission.Exempt(attributes) && source.Any<V1ValidatingWebhookConfiguration>();

    public async ValueTask ValidateAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var calls = source.Validating().Where(w => webhooks.Matches(w, attributes))
            .Select(w => webhooks.CallAsync(w, attributes, mutating: false, ct)).ToArray();
        try
        {
            await Task.WhenAll(calls).ConfigureAwait(false);
        }
        catch
        {
            // Task.WhenAll reports the first to fail in time; kube-apiserver reports the first in webhook order.
            var failed = calls.First(c => c.IsFaulted || c.IsCanceled);
            await failed.ConfigureAwait(false);
            throw;
        }
    }
}
