using k8s.Models;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// kube-apiserver's MutatingAdmissionWebhook plugin: every matching mutating webhook is called in order (configurations
/// by name, webhooks in their order) and its JSONPatch applied before the next sees the object. A webhook with
/// reinvocationPolicy IfNeeded is called once more if a later webhook changed the object after it ran. DELETE requests
/// reach webhooks registered for them too (object null, oldObject the stored object); such a webhook may allow or deny
/// but not patch.
/// </summary>
internal sealed class MutatingAdmissionWebhook(WebhookSource source, WebhookAdmission webhooks) : IMutatingAdmissionPlugin
{
    public string Name => "MutatingAdmissionWebhook";

    public bool Handles(AdmissionAttributes attributes) =>
        !WebhookAdmission.Exempt(attributes) && source.Any<V1MutatingWebhookConfiguration>();

    public async ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var hooks = source.Mutating();
        var changes = 0;
        var seenAt = new int?[hooks.Count];
        for (var i = 0; i < hooks.Count; i++)
        {
            if (webhooks.Matches(hooks[i], attributes))
            {
                if (await webhooks.CallAsync(hooks[i], attributes, mutating: true, ct).ConfigureAwait(false))
                {
                    changes++;
                }

                seenAt[i] = changes;
            }
        }

        for (var i = 0; i < hooks.Count; i++)
        {
            if (hooks[i].ReinvocationPolicy == "IfNeeded" && seenAt[i] is { } seen && seen < changes && webhooks.Matches(hooks[i], attributes))
            {
                await webhooks.CallAsync(hooks[i], attributes, mutating: true, ct).ConfigureAwait(false);
            }
        }
    }
}
