using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Rbac.RoleBindings;

/// <summary>
/// rbac.authorization.k8s.io/v1 RoleBindings (pkg/registry/rbac/rolebinding): a Role or ClusterRole reference that
/// never changes, and subjects of the three known kinds.
/// </summary>
internal sealed class RoleBindingStrategy : ResourceStrategy<V1RoleBinding>
{
    private static readonly string[] RefKinds = ["Role", "ClusterRole"];
    private static readonly BindingTable Printer = new("roleBinding");

    public override NameRule NameRule => NameRule.PathSegment;

    public override TableConvertor<V1RoleBinding> Table { get; } = new RoleBindingTable();

    public override void Default(V1RoleBinding obj) => RbacValidation.DefaultBinding(obj.RoleRef, obj.Subjects);

    public override void Validate(V1RoleBinding obj, FieldErrors errors)
    {
        RbacValidation.RoleRef(obj.RoleRef, RefKinds, errors);
        RbacValidation.Subjects(obj.Subjects, namespaced: true, errors);
    }

    public override void ValidateUpdate(V1RoleBinding obj, V1RoleBinding old, FieldErrors errors)
    {
        Validate(obj, errors);
        RbacValidation.RoleRefUnchanged(obj.RoleRef, old.RoleRef, errors);
    }

    private sealed class RoleBindingTable : TableConvertor<V1RoleBinding>
    {
        public override IReadOnlyList<TableColumn> Columns => Printer.Columns;

        public override object?[] Cells(V1RoleBinding obj, DateTime now) => Printer.Cells(obj.Metadata, obj.RoleRef, obj.Subjects, now);
    }
}
