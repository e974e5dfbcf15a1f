using k8s.Models;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer;

/// <summary>The default RBAC policy (see <see cref="BootstrapPolicy"/>), reconciled at every start like kube-apiserver's storage_rbac post-start hook.</summary>
internal sealed partial class Bootstrapper
{
    private async Task EnsureRbacDefaultsAsync(CancellationToken ct)
    {
        foreach (var role in BootstrapPolicy.ClusterRoles)
        {
            await EnsureAsync(role, ReconcileClusterRole, ct).ConfigureAwait(false);
        }

        foreach (var binding in BootstrapPolicy.ClusterRoleBindings)
        {
            await EnsureAsync(binding, (current, wanted) => AddMissingSubjects(current, current.Subjects, wanted.Subjects, s => current.Subjects = s), ct).ConfigureAwait(false);
        }

        // The kube-system Roles of the bootstrap policy; their namespace exists by now (the system namespaces come first).
        foreach (var role in BootstrapPolicy.Roles)
        {
            await EnsureAsync(role, (current, wanted) =>
            {
                var missing = (wanted.Rules ?? []).Where(w => !(current.Rules ?? []).Any(c => SameRule(c, w))).ToList();
                if (missing.Count == 0)
                {
                    return null;
                }

                current.Rules = [.. current.Rules ?? [], .. missing];
                return current;
            }, ct).ConfigureAwait(false);
        }

        foreach (var binding in BootstrapPolicy.RoleBindings)
        {
            await EnsureAsync(binding, (current, wanted) => AddMissingSubjects(current, current.Subjects, wanted.Subjects, s => current.Subjects = s), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Kubernetes adds missing subjects to a default binding left on autoupdate; it never removes any.</summary>
    private static T? AddMissingSubjects<T>(T current, IList<Rbacv1Subject>? have, IList<Rbacv1Subject>? want, Action<IList<Rbacv1Subject>> set)
        where T : class
    {
        var missing = (want ?? []).Where(w => !(have ?? []).Any(c => c.Kind == w.Kind && c.Name == w.Name && c.NamespaceProperty == w.NamespaceProperty)).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        set([.. have ?? [], .. missing]);
        return current;
    }

    private static V1ClusterRole? ReconcileClusterRole(V1ClusterRole current, V1ClusterRole wanted)
    {
        // Kubernetes adds missing labels and permissions to a default role the operator left on autoupdate; it
        // never removes any. An aggregated role's rules belong to the aggregation controller: only its rule is kept.
        var changed = false;
        foreach (var (key, value) in wanted.Metadata.Labels ?? new Dictionary<string, string>())
        {
            current.Metadata.Labels ??= new Dictionary<string, string>();
            if (!current.Metadata.Labels.ContainsKey(key))
            {
                current.Metadata.Labels[key] = value;
                changed = true;
            }
        }

        if (wanted.AggregationRule is not null)
        {
            if (current.AggregationRule is null)
            {
                current.AggregationRule = wanted.AggregationRule;
                changed = true;
            }

            return changed ? current : null;
        }

        var missing = (wanted.Rules ?? []).Where(w => !(current.Rules ?? []).Any(c => SameRule(c, w))).ToList();
        if (missing.Count == 0)
        {
            return changed ? current : null;
        }

        current.Rules = [.. current.Rules ?? [], .. missing];
        return current;
    }

    private async Task EnsureAsync<T>(T wanted, Func<T, T, T?> reconcile, CancellationToken ct)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var store = registry.Store<T>();
        var json = ApiJson.Serialize(wanted);
        // Cluster-scoped objects have no namespace; the Roles and RoleBindings name theirs.
        var ns = string.IsNullOrEmpty(wanted.Metadata.NamespaceProperty) ? null : wanted.Metadata.NamespaceProperty;
        var cached = store.Cache.Get(store.Key(ns, wanted.Metadata.Name));
        if (cached is null)
        {
            try
            {
                await store.CreateAsync(ns, ApiJson.Deserialize<T>(json), false, ct).ConfigureAwait(false);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
                cached = store.Cache.Get(store.Key(ns, wanted.Metadata.Name));
                if (cached is null)
                {
                    return;
                }
            }
        }

        var current = ApiJson.Deserialize<T>(cached.Json);
        if (current.Metadata.Annotations is { } annotations && annotations.TryGetValue(BootstrapPolicy.AutoUpdate, out var auto) && auto == "false")
        {
            return;
        }

        if (reconcile(current, ApiJson.Deserialize<T>(json)) is { } updated)
        {
            await store.UpdateAsync(ns, wanted.Metadata.Name, UpdateKind.Main, _ => updated, false, ct).ConfigureAwait(false);
        }
    }

    private static bool SameRule(V1PolicyRule a, V1PolicyRule b) =>
        Same(a.Verbs, b.Verbs) && Same(a.ApiGroups, b.ApiGroups) && Same(a.Resources, b.Resources) && Same(a.ResourceNames, b.ResourceNames) && Same(a.NonResourceURLs, b.NonResourceURLs);

    private static bool Same(IList<string>? a, IList<string>? b) => (a ?? []).OrderBy(x => x, StringComparer.Ordinal).SequenceEqual((b ?? []).OrderBy(x => x, StringComparer.Ordinal));
}
