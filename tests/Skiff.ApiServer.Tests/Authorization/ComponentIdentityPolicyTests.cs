using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>
/// What the bootstrap policy lets each control-plane identity do: the scheduler, kube-proxy, the cluster DNS, the
/// controller manager's own identity and the controllers' service accounts each get what they need and nothing that
/// would let them read secrets, grant rights or act as someone else.
/// </summary>
public sealed class ComponentIdentityPolicyTests
{
    private static readonly UserInfo Scheduler = new(SystemUsers.KubeScheduler, "", ["system:authenticated"]);
    private static readonly UserInfo Proxy = new(SystemUsers.KubeProxy, "", ["system:authenticated"]);
    private static readonly UserInfo Dns = new(SystemUsers.ClusterDns, "", ["system:authenticated"]);
    private static readonly UserInfo ControllerManager = new(SystemUsers.KubeControllerManager, "", ["system:authenticated"]);

    [Theory]
    [InlineData("create", "", "pods", "binding", "default", "")]
    [InlineData("patch", "", "pods", "status", "default", "")]
    [InlineData("delete", "", "pods", "", "default", "victim")]
    [InlineData("watch", "", "nodes", "", "", "")]
    [InlineData("list", "", "namespaces", "", "", "")]
    [InlineData("update", "", "persistentvolumeclaims", "", "default", "claim")]
    [InlineData("list", "storage.k8s.io", "storageclasses", "", "", "")]
    [InlineData("get", "coordination.k8s.io", "leases", "", "kube-system", "kube-scheduler")]
    [InlineData("update", "coordination.k8s.io", "leases", "", "kube-system", "kube-scheduler")]
    [InlineData("create", "", "events", "", "default", "")]
    public void Scheduler_MayDoWhatSchedulingNeeds(string verb, string group, string resource, string subresource, string ns, string name) =>
        Assert.True(Allowed(Scheduler, verb, group, resource, subresource, ns, name));

    [Theory]
    [InlineData("delete", "", "secrets", "", "default", "s")]
    [InlineData("get", "", "secrets", "", "default", "s")]
    [InlineData("create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", "")]
    [InlineData("create", "", "pods", "", "default", "")]
    [InlineData("update", "coordination.k8s.io", "leases", "", "kube-system", "kube-controller-manager")]
    [InlineData("update", "apps", "deployments", "", "default", "web")]
    [InlineData("create", "", "pods", "exec", "default", "p")]
    public void Scheduler_IsRefusedTheRest(string verb, string group, string resource, string subresource, string ns, string name) =>
        Assert.False(Allowed(Scheduler, verb, group, resource, subresource, ns, name));

    [Fact]
    public void KubeProxy_ReadsServicesAndEndpoints_ButWritesNone()
    {
        Assert.True(Allowed(Proxy, "watch", "", "services"));
        Assert.True(Allowed(Proxy, "list", "discovery.k8s.io", "endpointslices"));
        Assert.True(Allowed(Proxy, "get", "", "nodes", name: "n1"));
        Assert.True(Allowed(Proxy, "create", "", "events", ns: "default"));
        Assert.False(Allowed(Proxy, "update", "", "services", ns: "default", name: "web"));
        Assert.False(Allowed(Proxy, "create", "", "services", ns: "default"));
        Assert.False(Allowed(Proxy, "delete", "discovery.k8s.io", "endpointslices", ns: "default", name: "web-abc"));
        Assert.False(Allowed(Proxy, "list", "", "secrets"));
        Assert.False(Allowed(Proxy, "list", "", "pods"));
    }

    [Fact]
    public void ClusterDns_ReadsOnlyWhatItAnswersFrom()
    {
        Assert.True(Allowed(Dns, "list", "", "services"));
        Assert.True(Allowed(Dns, "watch", "", "namespaces"));
        Assert.True(Allowed(Dns, "watch", "discovery.k8s.io", "endpointslices"));
        Assert.False(Allowed(Dns, "get", "", "services", ns: "default", name: "web"));
        Assert.False(Allowed(Dns, "list", "", "secrets"));
        Assert.False(Allowed(Dns, "list", "", "pods"));
        Assert.False(Allowed(Dns, "update", "", "services", ns: "default", name: "web"));
    }

    [Fact]
    public void ControllerManagerIdentity_ElectsAndWatches_ButDoesNotWriteWorkloads()
    {
        Assert.True(Allowed(ControllerManager, "list", "apps", "deployments"));
        Assert.True(Allowed(ControllerManager, "watch", "example.com", "widgets"));
        Assert.True(Allowed(ControllerManager, "update", "coordination.k8s.io", "leases", ns: "kube-system", name: "kube-controller-manager"));
        Assert.True(Allowed(ControllerManager, "create", "", "serviceaccounts", ns: "kube-system"));
        Assert.True(Allowed(ControllerManager, "create", "", "serviceaccounts", "token", "kube-system", "replicaset-controller"));
        Assert.False(Allowed(ControllerManager, "update", "coordination.k8s.io", "leases", ns: "kube-system", name: "kube-scheduler"));
        Assert.False(Allowed(ControllerManager, "create", "", "pods", ns: "default"));
        Assert.False(Allowed(ControllerManager, "delete", "", "pods", ns: "default", name: "p"));
        Assert.False(Allowed(ControllerManager, "update", "apps", "deployments", ns: "default", name: "web"));
        Assert.False(Allowed(ControllerManager, "create", "rbac.authorization.k8s.io", "clusterrolebindings"));
    }

    [Fact]
    public void EachController_ActsOnlyThroughItsOwnRole()
    {
        var replicaSets = Account("replicaset-controller");
        Assert.True(Allowed(replicaSets, "create", "", "pods", ns: "default"));
        Assert.True(Allowed(replicaSets, "update", "apps", "replicasets", "status", "default", "web"));
        Assert.False(Allowed(replicaSets, "update", "apps", "deployments", ns: "default", name: "web"));
        Assert.False(Allowed(replicaSets, "delete", "", "secrets", ns: "default", name: "s"));

        var gc = Account("generic-garbage-collector");
        Assert.True(Allowed(gc, "delete", "example.com", "widgets", ns: "default", name: "w"));
        Assert.True(Allowed(gc, "patch", "apps", "replicasets", ns: "default", name: "web"));
        Assert.False(Allowed(gc, "create", "", "pods", ns: "default"));

        var namespaces = Account("namespace-controller");
        Assert.True(Allowed(namespaces, "deletecollection", "", "configmaps", ns: "doomed"));
        Assert.True(Allowed(namespaces, "update", "", "namespaces", "finalize", name: "doomed"));
        Assert.False(Allowed(namespaces, "create", "", "configmaps", ns: "doomed"));

        // The aggregation controller writes aggregated rules, so it may escalate on clusterroles, and nothing else.
        var aggregation = Account("clusterrole-aggregation-controller");
        Assert.True(Allowed(aggregation, "escalate", "rbac.authorization.k8s.io", "clusterroles", name: "admin"));
        Assert.False(Allowed(aggregation, "escalate", "rbac.authorization.k8s.io", "roles", ns: "default", name: "r"));
        Assert.False(Allowed(aggregation, "bind", "rbac.authorization.k8s.io", "clusterroles", name: "cluster-admin"));
        Assert.False(Allowed(aggregation, "create", "rbac.authorization.k8s.io", "clusterrolebindings"));

        // Bootstrap tokens live in kube-system; the token cleaner may delete secrets there only.
        var tokenCleaner = Account("token-cleaner");
        Assert.True(Allowed(tokenCleaner, "delete", "", "secrets", ns: "kube-system", name: "bootstrap-token-abcdef"));
        Assert.False(Allowed(tokenCleaner, "delete", "", "secrets", ns: "default", name: "s"));

        var certificates = Account("certificate-controller");
        Assert.True(Allowed(certificates, "update", "certificates.k8s.io", "certificatesigningrequests", "approval", name: "csr-1"));
        Assert.True(Allowed(certificates, "approve", "certificates.k8s.io", "signers", name: "kubernetes.io/kube-apiserver-client-kubelet"));
        Assert.False(Allowed(certificates, "approve", "certificates.k8s.io", "signers", name: "kubernetes.io/kube-apiserver-client"));

        Assert.True(Allowed(Account("local-path-provisioner"), "create", "", "persistentvolumes"));
        Assert.False(Allowed(Account("local-path-provisioner"), "delete", "", "persistentvolumeclaims", ns: "default", name: "c"));
    }

    [Fact]
    public void NoComponent_MayImpersonateOrBind()
    {
        var components = new[] { Scheduler, Proxy, Dns, ControllerManager }
            .Concat(BootstrapPolicy.ClusterRoleBindings.Concat<object>(BootstrapPolicy.RoleBindings)
                .SelectMany(b => b is k8s.Models.V1ClusterRoleBinding c ? c.Subjects : ((k8s.Models.V1RoleBinding)b).Subjects)
                .Where(s => s.Kind == "ServiceAccount" && s.NamespaceProperty == "kube-system")
                .Select(s => Account(s.Name)))
            .ToList();
        Assert.True(components.Count > 25, "every controller account is checked");
        foreach (var user in components)
        {
            foreach (var (group, resource) in new[] { ("", "users"), ("", "groups"), ("", "serviceaccounts"), ("authentication.k8s.io", "userextras") })
            {
                Assert.False(Allowed(user, "impersonate", group, resource, name: "system:admin"), $"{user.Name} may impersonate {resource}");
            }

            Assert.False(Allowed(user, "bind", "rbac.authorization.k8s.io", "clusterroles", name: "cluster-admin"), $"{user.Name} may bind cluster-admin");
            Assert.False(Allowed(user, "escalate", "rbac.authorization.k8s.io", "roles", ns: "default", name: "r"), $"{user.Name} may escalate roles");
        }
    }

    /// <summary>The same identities through the real HTTP pipeline, authenticated by client certificates of the cluster CA.</summary>
    [Fact]
    public async Task ComponentCertificates_AreAuthorizedByTheirRoles()
    {
        await using var server = await TestServer.StartAsync();
        using var scheduler = server.CreateClient(server.Certificates.Client(SystemUsers.KubeScheduler));
        using var proxy = server.CreateClient(server.Certificates.Client(SystemUsers.KubeProxy));
        using var manager = server.CreateClient(server.Certificates.Client(SystemUsers.KubeControllerManager));

        Assert.Equal(HttpStatusCode.OK, (await scheduler.GetAsync("/api/v1/pods")).StatusCode);
        var secret = await scheduler.DeleteAsync("/api/v1/namespaces/default/secrets/anything");
        Assert.Equal(HttpStatusCode.Forbidden, secret.StatusCode);
        Assert.Equal("secrets \"anything\" is forbidden: User \"system:kube-scheduler\" cannot delete resource \"secrets\" in API group \"\" in the namespace \"default\"",
            (string?)JsonNode.Parse(await secret.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await scheduler.PostAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", TestServer.Json(
            """{"metadata":{"name":"steal"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"system:kube-scheduler","apiGroup":"rbac.authorization.k8s.io"}]}"""))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/apis/discovery.k8s.io/v1/endpointslices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.PostAsync("/api/v1/namespaces/default/services", TestServer.Json(
            """{"metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}"""))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/api/v1/secrets")).StatusCode);
        using var impersonating = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces/default/pods");
        impersonating.Headers.Add("Impersonate-User", "system:admin");
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.SendAsync(impersonating)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(
            """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}"""))).StatusCode);
    }

    private static UserInfo Account(string controller) =>
        new($"system:serviceaccount:kube-system:{controller}", "", ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]);

    /// <summary>Whether the bootstrap policy's bindings give <paramref name="user"/> a rule allowing the request (the RBAC authorizer's test, on the policy itself).</summary>
    private static bool Allowed(UserInfo user, string verb, string group, string resource, string subresource = "", string ns = "", string name = "")
    {
        var attributes = new AuthorizationAttributes
        {
            User = user, Verb = verb, IsResourceRequest = true, ApiGroup = group, Resource = resource, Subresource = subresource, Namespace = ns, Name = name,
        };
        var clusterRoles = BootstrapPolicy.ClusterRoles.ToDictionary(r => r.Metadata.Name);
        var viaClusterBindings = BootstrapPolicy.ClusterRoleBindings
            .Where(b => b.Subjects.Any(s => RbacAuthorizer.Matches(s, user, null)))
            .SelectMany(b => clusterRoles[b.RoleRef.Name].Rules);
        var viaRoleBindings = BootstrapPolicy.RoleBindings
            .Where(b => b.Metadata.NamespaceProperty == ns && b.Subjects.Any(s => RbacAuthorizer.Matches(s, user, ns)))
            .SelectMany(b => BootstrapPolicy.Roles.Single(r => r.Metadata.Name == b.RoleRef.Name && r.Metadata.NamespaceProperty == ns).Rules);
        return viaClusterBindings.Concat(viaRoleBindings).Any(rule => PolicyRules.Allows(rule, attributes));
    }
}
