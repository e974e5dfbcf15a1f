using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry.Rbac;

/// <summary>
/// RBAC's privilege-escalation prevention (pkg/registry/rbac/*/policybased): a user may write a Role or ClusterRole
/// only with rules they already hold, unless allowed to <c>escalate</c> on it, and may write a RoleBinding or
/// ClusterRoleBinding only to a role whose rules they hold, unless allowed to <c>bind</c> it. Members of
/// <c>system:masters</c> and the API server's own writes are exempt. Writes that only touch owner references or
/// finalizers (the garbage collector's) pass.
/// </summary>
internal sealed class RbacEscalationHooks(AuthorizerChain authorizer, RbacAuthorizer rbac, RegistryAccess access)
    : IRegistryHooks<V1Role>, IRegistryHooks<V1ClusterRole>, IRegistryHooks<V1RoleBinding>, IRegistryHooks<V1ClusterRoleBinding>
{
    private const string Group = "rbac.authorization.k8s.io";

    /// <summary>Everything, as cluster-admin holds it: what setting an aggregationRule requires.</summary>
    private static readonly V1PolicyRule[] FullAuthority =
    [
        new() { ApiGroups = ["*"], Resources = ["*"], Verbs = ["*"] },
        new() { NonResourceURLs = ["*"], Verbs = ["*"] },
    ];

    public ValueTask<RegistryTransaction> BeginCreateAsync(V1Role obj, bool dryRun, CancellationToken ct)
    {
        CheckRole("roles", obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name, obj.Rules);
        return None;
    }

    public ValueTask<RegistryTransaction> BeginUpdateAsync(V1Role obj, V1Role old, UpdateKind kind, bool dryRun, CancellationToken ct)
    {
        if (!OnlyGcFields(obj, old))
        {
            CheckRole("roles", obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name, obj.Rules);
        }

        return None;
    }

    public ValueTask<RegistryTransaction> BeginCreateAsync(V1ClusterRole obj, bool dryRun, CancellationToken ct)
    {
        CheckClusterRole(obj);
        return None;
    }

    public ValueTask<RegistryTransaction> BeginUpdateAsync(V1ClusterRole obj, V1ClusterRole old, UpdateKind kind, bool dryRun, CancellationToken ct)
    {
        if (!OnlyGcFields(obj, old))
        {
            CheckClusterRole(obj);
        }

        return None;
    }

    public ValueTask<RegistryTransaction> BeginCreateAsync(V1RoleBinding obj, bool dryRun, CancellationToken ct)
    {
        CheckBinding("rolebindings", obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name, obj.RoleRef);
        return None;
    }

    public ValueTask<RegistryTransaction> BeginUpdateAsync(V1RoleBinding obj, V1RoleBinding old, UpdateKind kind, bool dryRun, CancellationToken ct)
    {
        if (!OnlyGcFields(obj, old))
        {
            CheckBinding("rolebindings", obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name, obj.RoleRef);
        }

        return None;
    }

    public ValueTask<RegistryTransaction> BeginCreateAsync(V1ClusterRoleBinding obj, bool dryRun, CancellationToken ct)
    {
        CheckBinding("clusterrolebindings", "", obj.Metadata.Name, obj.RoleRef);
        return None;
    }

    public ValueTask<RegistryTransaction> BeginUpdateAsync(V1ClusterRoleBinding obj, V1ClusterRoleBinding old, UpdateKind kind, bool dryRun, CancellationToken ct)
    {
        if (!OnlyGcFields(obj, old))
        {
            CheckBinding("clusterrolebindings", "", obj.Metadata.Name, obj.RoleRef);
        }

        return None;
    }

    public ValueTask AfterDeleteAsync(V1Role obj, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask AfterDeleteAsync(V1ClusterRole obj, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask AfterDeleteAsync(V1RoleBinding obj, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask AfterDeleteAsync(V1ClusterRoleBinding obj, CancellationToken ct) => ValueTask.CompletedTask;

    private static ValueTask<RegistryTransaction> None => ValueTask.FromResult(RegistryTransaction.None);

    private static bool Exempt(UserInfo? user) => user is null || user.Groups.Contains(AuthorizerChain.SystemMasters);

    private bool Allowed(UserInfo user, string verb, string resource, string ns, string name) =>
        authorizer.Authorize(new AuthorizationAttributes
        {
            User = user, Verb = verb, IsResourceRequest = true, ApiGroup = Group, Resource = resource, Namespace = ns, Name = name,
        }, out _) == AuthorizationDecision.Allow;

    private void CheckClusterRole(V1ClusterRole role)
    {
        var user = RequestUser.Current;
        if (Exempt(user) || Allowed(user!, "escalate", "clusterroles", "", role.Metadata.Name))
        {
            return;
        }

        // An aggregation rule can gather anything, so it needs every permission there is.
        if (role.AggregationRule is not null && RuleCoverage.Uncovered(rbac.RulesFor(user!, ""), FullAuthority).Count > 0)
        {
            throw Forbidden("clusterroles", role.Metadata.Name, "must have cluster-admin privileges to use the aggregationRule");
        }

        Confirm(user!, "clusterroles", "", role.Metadata.Name, role.Rules ?? []);
    }

    private void CheckRole(string resource, string ns, string name, IList<V1PolicyRule>? rules)
    {
        var user = RequestUser.Current;
        if (Exempt(user) || Allowed(user!, "escalate", resource, ns, name))
        {
            return;
        }

        Confirm(user!, resource, ns, name, rules ?? []);
    }

    private void CheckBinding(string resource, string ns, string name, V1RoleRef roleRef)
    {
        var user = RequestUser.Current;
        if (Exempt(user))
        {
            return;
        }

        var roleResource = roleRef.Kind == "ClusterRole" ? "clusterroles" : "roles";
        if (roleRef.ApiGroup == Group && Allowed(user!, "bind", roleResource, ns, roleRef.Name))
        {
            return;
        }

        Confirm(user!, resource, ns, name, RoleRules(roleRef, ns));
    }

    /// <summary>The rules a binding grants; a missing role is a 404 naming it, as kube-apiserver's rule resolver reports.</summary>
    private IList<V1PolicyRule> RoleRules(V1RoleRef roleRef, string ns)
    {
        if (roleRef.Kind == "ClusterRole")
        {
            var store = access.Store<V1ClusterRole>();
            return store.Cache.Get(store.Key(null, roleRef.Name)) is { } o
                ? store.Decode(o).Rules ?? []
                : throw ApiException.NotFound(store.Info, roleRef.Name);
        }

        var roles = access.Store<V1Role>();
        return roles.Cache.Get(roles.Key(ns, roleRef.Name)) is { } r
            ? roles.Decode(r).Rules ?? []
            : throw ApiException.NotFound(roles.Info, roleRef.Name);
    }

    private void Confirm(UserInfo user, string resource, string ns, string name, IList<V1PolicyRule> rules)
    {
        var missing = RuleCoverage.Uncovered(rbac.RulesFor(user, ns), rules);
        if (missing.Count > 0)
        {
            throw Forbidden(resource, name,
                $"user {Admission.PodSecurity.Text.GoQuote(user.Name)} (groups={RuleCoverage.GoList(user.Groups)}) is attempting to grant RBAC permissions not currently held:\n" +
                string.Join("\n", missing.Select(RuleCoverage.CompactString)));
        }
    }

    private static ApiException Forbidden(string resource, string name, string why) =>
        new(403, "Forbidden", $"{resource}.{Group} \"{name}\" is forbidden: {why}", new V1StatusDetails { Name = name, Group = Group, Kind = resource });

    /// <summary>Whether an update changes nothing but owner references and finalizers (rbac's IsOnlyMutatingGCFields).</summary>
    private static bool OnlyGcFields<T>(T obj, T old)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var copy = ApiJson.Deserialize<T>(ApiJson.Serialize(obj));
        copy.Metadata.OwnerReferences = old.Metadata.OwnerReferences;
        copy.Metadata.Finalizers = old.Metadata.Finalizers;
        copy.Metadata.ResourceVersion = old.Metadata.ResourceVersion;
        copy.Metadata.ManagedFields = old.Metadata.ManagedFields;
        return ApiJson.SemanticEquals(copy, old);
    }
}
