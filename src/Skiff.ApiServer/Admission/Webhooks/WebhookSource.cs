using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// The webhooks of every Mutating- or ValidatingWebhookConfiguration, read from the resources' watch caches (never
/// from the store per request), configurations in name order as kube-apiserver sorts them. Each cached configuration
/// is decoded once.
/// </summary>
internal sealed class WebhookSource(RegistryAccess access)
{
    private readonly ConditionalWeakTable<CachedObject, IReadOnlyList<Webhook>> _decoded = new();

    public IReadOnlyList<Webhook> Mutating() => Read<V1MutatingWebhookConfiguration>(c => (c.Webhooks ?? []).Select(Webhook.From));

    public IReadOnlyList<Webhook> Validating() => Read<V1ValidatingWebhookConfiguration>(c => (c.Webhooks ?? []).Select(Webhook.From));

    /// <summary>Whether any configuration of the kind exists (cheap: no decoding).</summary>
    public bool Any<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => !access.Store<T>().Cache.Snapshot().Items.IsEmpty;

    private List<Webhook> Read<T>(Func<T, IEnumerable<Webhook>> webhooks)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var store = access.Store<T>();
        var result = new List<Webhook>();
        foreach (var o in store.Cache.Snapshot().Items.Values)
        {
            result.AddRange(_decoded.GetValue(o, cached => webhooks(store.Decode(cached)).Select(w => w with { Configuration = cached.Name }).ToArray()));
        }

        return result;
    }
}
