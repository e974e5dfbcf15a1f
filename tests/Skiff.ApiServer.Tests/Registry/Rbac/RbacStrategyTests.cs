using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Rbac.ClusterRoleBindings;
using Skiff.ApiServer.Registry.Rbac.ClusterRoles;
using Skiff.ApiServer.Registry.Rbac.RoleBindings;
using Skiff.ApiServer.Registry.Rbac.Roles;

namespace Skiff.ApiServer.Tests.Registry.Rbac;

public class RbacStrategyTests
{
    private readonly RoleStrategy _roles = Strategies.For<RoleStrategy, V1Role>();
    private readonly ClusterRoleStrategy _clusterRoles = Strategies.For<ClusterRoleStrategy, V1ClusterRole>();
    private readonly RoleBindingStrategy _bindings = Strategies.For<RoleBindingStrategy, V1RoleBinding>();
    private readonly ClusterRoleBindingStrategy _clusterBindings = Strategies.For<ClusterRoleBindingStrategy, V1ClusterRoleBinding>();

    [Fact]
    public void NameRule_PathSegment() => Assert.Equal(NameRule.PathSegment, _roles.NameRule);

    [Fact]
    public void Role_RuleWithoutVerbs_Required()
    {
        var role = new V1Role { Metadata = new V1ObjectMeta { Name = "r" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"] }] };
        Assert.Equal("rules[0].verbs: Required value: verbs must contain at least one value", Assert.Single(Strategies.Create(_roles, role)).ToString());
    }

    [Fact]
    public void Role_NonResourceUrls_InvalidInNamespace()
    {
        var role = new V1Role { Metadata = new V1ObjectMeta { Name = "r" }, Rules = [new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz"] }] };
        Assert.Equal("rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs", Assert.Single(Strategies.Create(_roles, role)).ToString());
        var cr = new V1ClusterRole { Metadata = new V1ObjectMeta { Name = "r" }, Rules = role.Rules };
        Assert.Empty(Strategies.Create(_clusterRoles, cr));
    }

    [Fact]
    public void Role_ResourceRuleWithoutGroups_Required()
    {
        var role = new V1Role { Metadata = new V1ObjectMeta { Name = "r" }, Rules = [new V1PolicyRule { Verbs = ["get"], Resources = ["pods"] }] };
        Assert.Equal("rules[0].apiGroups: Required value: resource rules must supply at least one api group", Assert.Single(Strategies.Create(_roles, role)).ToString());
    }

    [Fact]
    public void ClusterRole_EmptyAggregation_Required()
    {
        var cr = new V1ClusterRole { Metadata = new V1ObjectMeta { Name = "agg" }, AggregationRule = new V1AggregationRule() };
        Assert.Contains(Strategies.Create(_clusterRoles, cr), e => e.Field == "aggregationRule.clusterRoleSelectors");
    }

    [Fact]
    public void RoleBinding_Defaults_ApiGroups()
    {
        var rb = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "b", NamespaceProperty = "default" },
            RoleRef = new V1RoleRef { Kind = "ClusterRole", Name = "view" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "jane" }, new Rbacv1Subject { Kind = "ServiceAccount", Name = "default", NamespaceProperty = "default" }],
        };
        Assert.Empty(Strategies.Create(_bindings, rb));
        Assert.Equal("rbac.authorization.k8s.io", rb.RoleRef.ApiGroup);
        Assert.Equal("rbac.authorization.k8s.io", rb.Subjects[0].ApiGroup);
        Assert.Equal("", rb.Subjects[1].ApiGroup);
    }

    [Fact]
    public void RoleBinding_BadSubjectKind_NotSupported()
    {
        var rb = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "b" },
            RoleRef = new V1RoleRef { Kind = "Role", Name = "r" },
            Subjects = [new Rbacv1Subject { Kind = "Robot", Name = "x" }],
        };
        Assert.Equal("subjects[0].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"", Assert.Single(Strategies.Create(_bindings, rb)).ToString());
    }

    [Fact]
    public void RoleBinding_RoleRefChanged_CannotChange()
    {
        var old = new V1RoleBinding { Metadata = new V1ObjectMeta { Name = "b" }, RoleRef = new V1RoleRef { Kind = "ClusterRole", Name = "view" } };
        Strategies.Create(_bindings, old);
        var updated = Strategies.Copy(old);
        updated.RoleRef.Name = "edit";
        Assert.Equal("roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef", Assert.Single(Strategies.Update(_bindings, updated, old)).ToString());
    }

    [Fact]
    public void ClusterRoleBinding_RoleKind_AndServiceAccountNamespace()
    {
        var crb = new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "b" },
            RoleRef = new V1RoleRef { Kind = "Role", Name = "r" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "sa" }],
        };
        var errors = Strategies.Create(_clusterBindings, crb).Select(e => e.ToString()).ToList();
        Assert.Contains("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"", errors);
        Assert.Contains("subjects[0].namespace: Required value", errors);
    }

    [Fact]
    public void BindingTable_Cells_RoleAndSubjects()
    {
        var rb = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "b", CreationTimestamp = Strategies.Now.AddMinutes(-2) },
            RoleRef = new V1RoleRef { Kind = "ClusterRole", Name = "view" },
            Subjects =
            [
                new Rbacv1Subject { Kind = "User", Name = "jane" },
                new Rbacv1Subject { Kind = "User", Name = "joe" },
                new Rbacv1Subject { Kind = "Group", Name = "devs" },
                new Rbacv1Subject { Kind = "ServiceAccount", Name = "ci", NamespaceProperty = "build" },
            ],
        };
        Assert.Equal(["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"], _bindings.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["b", "ClusterRole/view", "2m", "jane, joe", "devs", "build/ci"], _bindings.Table.Cells(rb, Strategies.Now));
    }

    [Fact]
    public void RoleTable_DefaultNameAndCreatedAt() =>
        Assert.Equal(["Name", "Created At"], _roles.Table.Columns.Select(c => c.Name));
}
