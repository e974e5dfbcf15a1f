using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Rbac.ClusterRoles;

/// <summary>
/// rbac.authorization.k8s.io/v1 ClusterRoles (pkg/registry/rbac/clusterrole): rules plus an optional
/// aggregation rule, which needs at least one valid cluster-role selector.
/// </summary>
internal sealed class ClusterRoleStrategy : ResourceStrategy<V1ClusterRole>
{
    public override NameRule NameRule => NameRule.PathSegment;

    public override void Validate(V1ClusterRole obj, FieldErrors errors)
    {
        RbacValidation.Rules(obj.Rules, namespaced: false, errors);
        if (obj.AggregationRule is { } aggregation)
        {
            if ((aggregation.ClusterRoleSelectors?.Count ?? 0) == 0)
            {
                errors.Required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil");
            }

            for (var i = 0; i < (aggregation.ClusterRoleSelectors?.Count ?? 0); i++)
            {
                LabelSelectors.Validate(aggregation.ClusterRoleSelectors![i], $"aggregationRule.clusterRoleSelectors[{i}]", errors);
            }
        }
    }
}
