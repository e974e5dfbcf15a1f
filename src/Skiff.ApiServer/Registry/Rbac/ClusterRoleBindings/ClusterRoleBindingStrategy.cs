using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Rbac.ClusterRoleBindings;

/// <summary>
/// rbac.authorization.k8s.io/v1 ClusterRoleBindings (pkg/registry/rbac/clusterrolebinding): only ClusterRoles can be
/// bound, the reference never changes, and service-account subjects must name their namespace.
/// </summary>
internal sealed class ClusterRoleBindingStrategy : ResourceStrategy<V1ClusterRoleBinding>
{
    private static readonly string[] RefKinds = ["ClusterRole"];
    private static readonly BindingTable Printer = new("clusterRoleBinding");

    public override NameRule NameRule => NameRule.PathSegment;

    public override TableConvertor<V1ClusterRoleBinding> Table { get; } = new ClusterRoleBindingTable();

    public override void Default(V1ClusterRoleBinding obj) => RbacValidation.DefaultBinding(obj.RoleRef, obj.Subjects);

    public override void Validate(V1ClusterRoleBinding obj, FieldErrors errors)
    {
        RbacValidation.RoleRef(obj.RoleRef, RefKinds, errors);
        RbacValidation.Subjects(obj.Subjects, namespaced: false, errors);
    }

    public override void ValidateUpdate(V1ClusterRoleBinding obj, V1ClusterRoleBinding old, FieldErrors errors)
    {
        Validate(obj, errors);
        RbacValidation.RoleRefUnchanged(obj.RoleRef, old.RoleRef, errors);
    }

    private sealed class ClusterRoleBindingTable : TableConvertor<V1ClusterRoleBinding>
    {
        public override IReadOnlyList<TableColumn> Columns => Printer.Columns;

        public override object?[] Cells(V1ClusterRoleBinding obj, DateTime now) => Printer.Cells(obj.Metadata, obj.RoleRef, obj.Subjects, now);
    }
}
