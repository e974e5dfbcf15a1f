using k8s.Models;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Authorizes node agents (user <c>system:node:NAME</c> in group <c>system:nodes</c>) with the rules of the
/// <c>system:node</c> ClusterRole, as kube-apiserver's Node authorizer does without a binding. Not yet done: the
/// Node authorizer's object graph that limits a node to the secrets, configmaps and volumes of pods bound to it
/// (issue 10); until then a node may read those in every namespace.
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
}
