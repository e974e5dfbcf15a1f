using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>RBAC through the real HTTP pipeline: a token user with no bindings, then with a Role, a ClusterRole and the defaults.</summary>
public sealed class RbacTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(o => o.Tokens = new Dictionary<string, UserInfo>
        {
            ["alice-token"] = new("alice", "u-alice", ["dev"]),
        });
        _alice = _server.CreateClient(null);
        _alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "alice-token");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task UnboundUser_IsForbidden_WithKubernetesMessage()
    {
        var list = await _alice.GetAsync("/api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        var status = JsonNode.Parse(await list.Content.ReadAsStringAsync())!;
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", (string?)status["message"]);

        var get = await _alice.GetAsync("/apis/apps/v1/namespaces/default/deployments/web");
        Assert.Equal("deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"default\"",
            (string?)JsonNode.Parse(await get.Content.ReadAsStringAsync())!["message"]);

        var nodes = await _alice.GetAsync("/api/v1/nodes");
        Assert.Contains("cannot list resource \\\"nodes\\\" in API group \\\"\\\" at the cluster scope", await nodes.Content.ReadAsStringAsync());

        var metrics = await _alice.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
        Assert.Contains("forbidden: User \\\"alice\\\" cannot get path \\\"/metrics\\\"", await metrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DefaultRoles_LetEveryAuthenticatedUserDiscover()
    {
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync("/version")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync("/apis")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync("/api/v1")).StatusCode);
        var crb = await _server.Client.GetAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin");
        Assert.Contains("system:masters", await crb.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RoleBinding_GrantsExactlyTheRole_InItsNamespace()
    {
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            """{"metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list","watch"]}]}""");
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"alice-reads"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]}""");

        Assert.Equal(HttpStatusCode.OK, await EventuallyAsync(() => _alice.GetAsync("/api/v1/namespaces/default/pods"), HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.GetAsync("/api/v1/namespaces/kube-system/pods")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.DeleteAsync("/api/v1/namespaces/default/pods/x")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.GetAsync("/api/v1/namespaces/default/pods/x/exec")).StatusCode);
    }

    [Fact]
    public async Task ClusterRoleView_BoundToAGroup_ReadsButCannotWriteOrReadSecrets()
    {
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"dev-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"Group","name":"dev","apiGroup":"rbac.authorization.k8s.io"}]}""");
        Assert.Equal(HttpStatusCode.OK, await EventuallyAsync(() => _alice.GetAsync("/apis/apps/v1/namespaces/default/deployments"), HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.GetAsync("/api/v1/namespaces/default/secrets")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.PostAsync("/api/v1/namespaces/default/configmaps", TestServer.Json("""{"metadata":{"name":"c"}}"""))).StatusCode);
    }

    [Fact]
    public async Task SelfSubjectAccessReview_AnswersCanI_AndWhoAmI()
    {
        async Task<bool> CanI(string verb, string resource, string ns)
        {
            var res = await _alice.PostAsync("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", TestServer.Json(
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{\"verb\":\"" + verb + "\",\"resource\":\"" + resource + "\",\"namespace\":\"" + ns + "\"}}}"));
            Assert.Equal(HttpStatusCode.Created, res.StatusCode);
            return (bool)JsonNode.Parse(await res.Content.ReadAsStringAsync())!["status"]!["allowed"]!;
        }

        Assert.False(await CanI("create", "configmaps", "default"));
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"alice-edit"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","name":"alice"}]}""");
        for (var i = 0; i < 50 && !await CanI("create", "configmaps", "default"); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(await CanI("create", "configmaps", "default"));
        Assert.False(await CanI("create", "roles", "default"));
        Assert.False(await CanI("create", "configmaps", "kube-system"));

        var who = await _alice.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews", TestServer.Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"""));
        var info = JsonNode.Parse(await who.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal("alice", (string?)info["username"]);
        Assert.Contains("system:authenticated", info["groups"]!.AsArray().Select(g => (string?)g));
    }

    private async Task Admin(string path, string json)
    {
        var res = await _server.Client.PostAsync(path, TestServer.Json(json));
        Assert.True(res.StatusCode == HttpStatusCode.Created, await res.Content.ReadAsStringAsync());
    }

    // RBAC, like kube-apiserver's, reads its informer caches: a new binding applies a moment after it is written.
    private static async Task<HttpStatusCode> EventuallyAsync(Func<Task<HttpResponseMessage>> request, HttpStatusCode want)
    {
        HttpStatusCode last = 0;
        for (var i = 0; i < 50; i++)
        {
            last = (await request()).StatusCode;
            if (last == want)
            {
                return last;
            }

            await Task.Delay(100);
        }

        return last;
    }
}
