using k8s.Models;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Kubernetes' RBAC authorizer: a request is allowed when a ClusterRoleBinding, or a RoleBinding in the request's
/// namespace, binds the user (by name, group or service account) to a role with a matching rule; otherwise it has
/// no opinion. Reads the four RBAC watch caches; the decoded index is rebuilt only when one of them changed.
/// </summary>
internal sealed class RbacAuthorizer(RegistryAccess access) : IAuthorizer
{
    private readonly object _lock = new();
    private volatile RbacIndex? _index;

    public AuthorizationDecision Authorize(AuthorizationAttributes a, out string reason)
    {
        var index = Current();
        foreach (var b in index.ClusterBindings)
        {
            if (b.Subjects.Any(s => Matches(s, a.User, null)) && index.ClusterRoles.TryGetValue(b.RoleName, out var rules) && rules.Any(r => PolicyRules.Allows(r, a)))
            {
                reason = $"RBAC: allowed by ClusterRoleBinding \"{b.Name}\" of ClusterRole \"{b.RoleName}\" to {Describe(b.Subjects.First(s => Matches(s, a.User, null)))}";
                return AuthorizationDecision.Allow;
            }
        }

        if (a.Namespace.Length > 0 && index.RoleBindings.TryGetValue(a.Namespace, out var bindings))
        {
            foreach (var b in bindings)
            {
                if (!b.Subjects.Any(s => Matches(s, a.User, a.Namespace)))
                {
                    continue;
                }

                var rules = b.RoleKind == "ClusterRole"
                    ? index.ClusterRoles.GetValueOrDefault(b.RoleName)
                    : index.Roles.GetValueOrDefault((a.Namespace, b.RoleName));
                if (rules is not null && rules.Any(r => PolicyRules.Allows(r, a)))
                {
                    reason = $"RBAC: allowed by RoleBinding \"{b.Name}/{a.Namespace}\" of {b.RoleKind} \"{b.RoleName}\" to {Describe(b.Subjects.First(s => Matches(s, a.User, a.Namespace)))}";
                    return AuthorizationDecision.Allow;
                }
            }
        }

        reason = "";
        return AuthorizationDecision.NoOpinion;
    }

    /// <summary>Every rule that applies to <paramref name="user"/> in <paramref name="ns"/> (for SelfSubjectRulesReview).</summary>
    public IReadOnlyList<V1PolicyRule> RulesFor(UserInfo user, string ns)
    {
        var index = Current();
        var result = new List<V1PolicyRule>();
        foreach (var b in index.ClusterBindings.Where(b => b.Subjects.Any(s => Matches(s, user, null))))
        {
            result.AddRange(index.ClusterRoles.GetValueOrDefault(b.RoleName) ?? []);
        }

        foreach (var b in index.RoleBindings.GetValueOrDefault(ns) ?? [])
        {
            if (b.Subjects.Any(s => Matches(s, user, ns)))
            {
                result.AddRange((b.RoleKind == "ClusterRole" ? index.ClusterRoles.GetValueOrDefault(b.RoleName) : index.Roles.GetValueOrDefault((ns, b.RoleName))) ?? []);
            }
        }

        return result;
    }

    internal static bool Matches(Rbacv1Subject s, UserInfo user, string? bindingNamespace) => s.Kind switch
    {
        "User" => s.Name == user.Name,
        "Group" => user.Groups.Contains(s.Name),
        "ServiceAccount" => user.Name == $"system:serviceaccount:{(string.IsNullOrEmpty(s.NamespaceProperty) ? bindingNamespace : s.NamespaceProperty)}:{s.Name}",
        _ => false,
    };

    private static string Describe(Rbacv1Subject s) => s.Kind == "ServiceAccount"
        ? $"ServiceAccount \"{s.Name}/{s.NamespaceProperty}\""
        : $"{s.Kind} \"{s.Name}\"";

    private RbacIndex Current()
    {
        var roles = access.Store<V1Role>().Cache;
        var clusterRoles = access.Store<V1ClusterRole>().Cache;
        var roleBindings = access.Store<V1RoleBinding>().Cache;
        var clusterRoleBindings = access.Store<V1ClusterRoleBinding>().Cache;
        var (rItems, rRev) = roles.Snapshot();
        var (crItems, crRev) = clusterRoles.Snapshot();
        var (rbItems, rbRev) = roleBindings.Snapshot();
        var (crbItems, crbRev) = clusterRoleBindings.Snapshot();
        var stamp = (rRev, crRev, rbRev, crbRev);
        var index = _index;
        if (index is not null && index.Stamp == stamp)
        {
            return index;
        }

        lock (_lock)
        {
            index = _index;
            if (index is not null && index.Stamp == stamp)
            {
                return index;
            }

            var built = new RbacIndex
            {
                Stamp = stamp,
                Roles = rItems.Values.Select(o => ApiJson.Deserialize<V1Role>(o.Json))
                    .ToDictionary(r => (r.Metadata.NamespaceProperty ?? "", r.Metadata.Name), r => (IReadOnlyList<V1PolicyRule>)(r.Rules ?? [])),
                ClusterRoles = crItems.Values.Select(o => ApiJson.Deserialize<V1ClusterRole>(o.Json))
                    .ToDictionary(r => r.Metadata.Name, r => (IReadOnlyList<V1PolicyRule>)(r.Rules ?? [])),
                RoleBindings = rbItems.Values.Select(o => ApiJson.Deserialize<V1RoleBinding>(o.Json))
                    .GroupBy(b => b.Metadata.NamespaceProperty ?? "")
                    .ToDictionary(g => g.Key, g => (IReadOnlyList<Binding>)g.Select(b => new Binding(b.Metadata.Name, b.RoleRef.Kind, b.RoleRef.Name, b.Subjects?.ToArray() ?? [])).ToArray()),
                ClusterBindings = crbItems.Values.Select(o => ApiJson.Deserialize<V1ClusterRoleBinding>(o.Json))
                    .Select(b => new Binding(b.Metadata.Name, "ClusterRole", b.RoleRef.Name, b.Subjects?.ToArray() ?? [])).ToArray(),
            };
            _index = built;
            return built;
        }
    }

    private sealed record Binding(string Name, string RoleKind, string RoleName, IReadOnlyList<Rbacv1Subject> Subjects);

    private sealed class RbacIndex
    {
        public required (long, long, long, long) Stamp { get; init; }

        public required Dictionary<(string Namespace, string Name), IReadOnlyList<V1PolicyRule>> Roles { get; init; }

        public required Dictionary<string, IReadOnlyList<V1PolicyRule>> ClusterRoles { get; init; }

        public required Dictionary<string, IReadOnlyList<Binding>> RoleBindings { get; init; }

        public required IReadOnlyList<Binding> ClusterBindings { get; init; }
    }
}
