using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Rbac.Roles;

/// <summary>rbac.authorization.k8s.io/v1 Roles (pkg/registry/rbac/role): namespaced rules, no non-resource URLs.</summary>
internal sealed class RoleStrategy : ResourceStrategy<V1Role>
{
    public override NameRule NameRule => NameRule.PathSegment;

    public override void Validate(V1Role obj, FieldErrors errors) => RbacValidation.Rules(obj.Rules, namespaced: true, errors);
}
