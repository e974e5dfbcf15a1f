using k8s.Models;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Authorizes node agents (user <c>system:node:NAME</c> in group <c>system:nodes</c>) as kube-apiserver's Node
/// authorizer does, without any binding: the rules of the <c>system:node</c> ClusterRole, except that secrets,
/// configmaps, persistentvolumeclaims and persistentvolumes may only be read one at a time (<c>get</c>) and only when a
/// pod bound to that node uses them (volumes, env, envFrom, image pull secrets; a volume through its claim).
/// Everything else a node may not do gets no opinion, so RBAC decides. The relationships are read from the pods and
/// claims watch caches at request time.
/// </summary>
internal sealed class NodeAuthorizer(RegistryAccess access) : IAuthorizer
{
    public const string NodesGroup = "system:nodes";
    public const string NodeUserPrefix = "system:node:";

    private (string? Version, IReadOnlyList<V1PolicyRule> Rules) _rules = (null, []);

    public AuthorizationDecision Authorize(AuthorizationAttributes a, out string reason)
    {
        reason = "";
        if (!a.User.Groups.Contains(NodesGroup) || !a.User.Name.StartsWith(NodeUserPrefix, StringComparison.Ordinal))
        {
            return AuthorizationDecision.NoOpinion;
        }

        var node = a.User.Name[NodeUserPrefix.Length..];
        if (a.IsResourceRequest && a.ApiGroup.Length == 0 && a.Subresource.Length == 0
            && a.Resource is "secrets" or "configmaps" or "persistentvolumeclaims" or "persistentvolumes")
        {
            if (a.Verb != "get" || a.Name.Length == 0)
            {
                reason = "can only get individual resources of this type";
                return AuthorizationDecision.NoOpinion;
            }

            if (!Related(node, a.Resource, a.Namespace, a.Name))
            {
                reason = $"no relationship found between node '{node}' and this object";
                return AuthorizationDecision.NoOpinion;
            }

            return AuthorizationDecision.Allow;
        }

        var store = access.Store<V1ClusterRole>();
        if (store.Cache.Get(store.Key(null, "system:node")) is not { } cached)
        {
            return AuthorizationDecision.NoOpinion;
        }

        var current = _rules;
        if (current.Version != cached.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            current = (cached.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Registry.ApiJson.Deserialize<V1ClusterRole>(cached.Json).Rules?.ToArray() ?? []);
            _rules = current;
        }

        return current.Rules.Any(r => PolicyRules.Allows(r, a)) ? AuthorizationDecision.Allow : AuthorizationDecision.NoOpinion;
    }

    /// <summary>Whether a pod bound to <paramref name="node"/> uses the object (for a volume: through a claim bound to it).</summary>
    private bool Related(string node, string resource, string ns, string name)
    {
        var pods = access.Store<V1Pod>();
        var claims = resource == "persistentvolumes" ? BoundClaims(name) : null;
        foreach (var o in pods.Cache.Snapshot().Items.Values)
        {
            if (o.FieldValue("spec.nodeName") != node)
            {
                continue;
            }

            if (resource != "persistentvolumes" && o.Namespace != ns)
            {
                continue;
            }

            var spec = pods.Decode(o).Spec;
            if (spec is null)
            {
                continue;
            }

            var uses = resource switch
            {
                "secrets" => PodReferences.Secrets(spec).Contains(name),
                "configmaps" => PodReferences.ConfigMaps(spec).Contains(name),
                "persistentvolumeclaims" => PodReferences.Claims(spec, o.Name).Contains(name),
                _ => PodReferences.Claims(spec, o.Name).Any(c => claims!.Contains((o.Namespace, c))),
            };
            if (uses)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The claims (namespace, name) bound to a PersistentVolume.</summary>
    private HashSet<(string, string)> BoundClaims(string volume)
    {
        var claims = access.Store<V1PersistentVolumeClaim>();
        var result = new HashSet<(string, string)>();
        foreach (var o in claims.Cache.Snapshot().Items.Values)
        {
            if (claims.Decode(o).Spec?.VolumeName == volume)
            {
                result.Add((o.Namespace, o.Name));
            }
        }

        return result;
    }
}
