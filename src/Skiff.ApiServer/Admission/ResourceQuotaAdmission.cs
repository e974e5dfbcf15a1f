using k8s.Models;
using Skiff.Api.Quota;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The ResourceQuota admission plugin (kube-apiserver's plugin/pkg/admission/resourcequota): the last validating
/// step. It computes what a create (or a service or claim update) adds to every quota of the namespace that tracks
/// it, refuses the request with 403 when a quota would be exceeded or a required request/limit is missing, and
/// otherwise charges the quotas' status.used before the object is written. Each charge is a compare-and-swap on
/// the quota's resourceVersion that re-checks the limit against the quota it replaces, so concurrent requests
/// cannot both take the last unit. Limits come from status.hard, which the resource quota controller copies from
/// spec.hard: a quota the controller has not yet seen limits nothing, as in Kubernetes.
/// </summary>
internal sealed class ResourceQuotaAdmission(RegistryAccess access, TimeProvider time) : IValidatingAdmissionPlugin
{
    public string Name => "ResourceQuota";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Namespace is { Length: > 0 }
        && attributes.Subresource is null
        && attributes.Object is not null
        && (attributes.Operation == AdmissionOperation.Create
            || (attributes.Operation == AdmissionOperation.Update && attributes.Resource.Group.Length == 0
                && attributes.Resource.Plural is "services" or "persistentvolumeclaims"));

    public async ValueTask ValidateAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var store = access.Store<V1ResourceQuota>();
        var ns = attributes.Namespace!;
        var prefix = store.Info.NamespacePrefix(ns);
        var quotas = store.Cache.Snapshot().Items.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => store.Decode(kv.Value))
            .OrderBy(q => q.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        if (quotas.Count == 0)
        {
            return;
        }

        var group = attributes.Resource.Group;
        var plural = attributes.Resource.Plural;
        var now = time.GetUtcNow();
        var full = QuotaEvaluator.Usage(group, plural, attributes.Object!, now);
        var delta = full;
        if (attributes.OldObject is { } old)
        {
            delta = ResourceLists.Subtract(delta, QuotaEvaluator.Usage(group, plural, old, now));
        }

        // First judge against the cached quotas, so a refusal names the quota as the request saw it and nothing is charged.
        var charges = new List<(string Name, Dictionary<string, ResourceQuantity> Requested)>();
        foreach (var quota in quotas)
        {
            if (Check(quota, attributes, group, plural, full, delta) is { } requested)
            {
                charges.Add((quota.Metadata.Name, requested));
            }
        }

        if (charges.Count == 0 || attributes.DryRun)
        {
            return;
        }

        var charged = new List<(string Name, Dictionary<string, ResourceQuantity> Requested)>();
        try
        {
            foreach (var charge in charges)
            {
                try
                {
                    Dictionary<string, ResourceQuantity> taken = [];
                    await store.UpdateAsync(ns, charge.Name, UpdateKind.Status, current =>
                    {
                        if (current is null)
                        {
                            throw ApiException.NotFound(store.Info, charge.Name);
                        }

                        // The store hands the freshest quota each attempt; a lost race re-runs this check on the newer usage.
                        taken = Check(current, attributes, group, plural, full, delta) ?? [];
                        current.Status ??= new V1ResourceQuotaStatus();
                        current.Status.Used = ResourceLists.Add(current.Status.Used, taken);
                        return current;
                    }, false, ct).ConfigureAwait(false);
                    charged.Add((charge.Name, taken));
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    // A quota deleted meanwhile no longer limits anything.
                }
            }
        }
        catch
        {
            await RefundAsync(ns, charged, ct).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Checks one quota (checkRequest): null when it does not concern the object, otherwise the usage it would be
    /// charged (possibly empty). Throws 403 Forbidden when the request exceeds it or misses a required resource.
    /// </summary>
    private static Dictionary<string, ResourceQuantity>? Check(V1ResourceQuota quota, AdmissionAttributes attributes, string group, string plural,
        Dictionary<string, ResourceQuantity> full, Dictionary<string, ResourceQuantity> delta)
    {
        var hard = quota.Status?.Hard ?? new Dictionary<string, ResourceQuantity>();
        var tracked = hard.Keys.Where(name => QuotaEvaluator.Tracks(group, plural, name)).ToHashSet(StringComparer.Ordinal);
        if (tracked.Count == 0 || !QuotaEvaluator.MatchesScopes(quota.Spec, attributes.Object!))
        {
            return null;
        }

        if (QuotaEvaluator.Constraints(tracked, attributes.Object!) is { } missing)
        {
            throw ApiException.Forbidden(attributes.Resource, attributes.Name, $"failed quota: {quota.Metadata.Name}: {missing}");
        }

        // An update charges only the growth, and only if the old object was charged to this quota too.
        if (attributes.OldObject is { } old && !QuotaEvaluator.MatchesScopes(quota.Spec, old))
        {
            delta = full;
        }

        var requested = ResourceLists.Mask(delta, tracked);
        if (ResourceLists.IsZero(requested))
        {
            return [];
        }

        var used = quota.Status?.Used ?? new Dictionary<string, ResourceQuantity>();
        var unknown = requested.Keys.Where(name => !used.ContainsKey(name)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw ApiException.Forbidden(attributes.Resource, attributes.Name, $"status unknown for quota: {quota.Metadata.Name}, resources: {string.Join(",", unknown)}");
        }

        var newUsage = ResourceLists.Mask(ResourceLists.Add(used, requested), requested.Keys);
        var exceeded = ResourceLists.Exceeding(newUsage, hard);
        if (exceeded.Count > 0)
        {
            throw ApiException.Forbidden(attributes.Resource, attributes.Name,
                $"exceeded quota: {quota.Metadata.Name}, requested: {ResourceLists.PrettyPrint(ResourceLists.Mask(requested, exceeded))}, " +
                $"used: {ResourceLists.PrettyPrint(ResourceLists.Mask(used, exceeded))}, limited: {ResourceLists.PrettyPrint(ResourceLists.Mask(hard, exceeded))}");
        }

        return requested;
    }

    /// <summary>Gives back what earlier quotas were charged when a later one refused or failed.</summary>
    private async ValueTask RefundAsync(string ns, List<(string Name, Dictionary<string, ResourceQuantity> Requested)> charged, CancellationToken ct)
    {
        var store = access.Store<V1ResourceQuota>();
        foreach (var (name, requested) in charged)
        {
            try
            {
                await store.UpdateAsync(ns, name, UpdateKind.Status, current =>
                {
                    if (current is null)
                    {
                        throw ApiException.NotFound(store.Info, name);
                    }

                    current.Status ??= new V1ResourceQuotaStatus();
                    current.Status.Used = ResourceLists.Subtract(current.Status.Used, requested);
                    return current;
                }, false, ct).ConfigureAwait(false);
            }
            catch (ApiException)
            {
                // The quota controller's next full recalculation corrects what could not be refunded.
            }
        }
    }
}
