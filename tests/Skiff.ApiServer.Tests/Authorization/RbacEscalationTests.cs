using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>RBAC escalation and bind checks through the HTTP pipeline, for a user who may manage roles in one namespace.</summary>
public sealed class RbacEscalationTests : IAsyncLifetime
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

        // alice manages roles and bindings in "default" and may read pods there; nothing else.
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", """
            {"metadata":{"name":"manager"},"rules":[
              {"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"],"verbs":["create","update","get","list"]},
              {"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}
            """);
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
            {"metadata":{"name":"alice-manager"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"manager"},
             "subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]}
            """);
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _server.DisposeAsync();
    }

    private async Task Admin(string path, string json)
    {
        var r = await _server.Client.PostAsync(path, TestServer.Json(json));
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Role_WithPermissionsHeld_IsAllowed_MoreIsForbiddenWithKubernetesMessage()
    {
        var ok = await _alice.PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            TestServer.Json("""{"metadata":{"name":"reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}"""));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);

        var escalate = await _alice.PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            TestServer.Json("""{"metadata":{"name":"deleter"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","delete"]},{"apiGroups":["apps"],"resources":["deployments"],"verbs":["*"]}]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, escalate.StatusCode);
        Assert.Equal(
            "roles.rbac.authorization.k8s.io \"deleter\" is forbidden: user \"alice\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n" +
            "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}\n{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"*\"]}",
            (string?)JsonNode.Parse(await escalate.Content.ReadAsStringAsync())!["message"]);

        // With "escalate" on roles she may.
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", """{"metadata":{"name":"escalator"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"],"verbs":["escalate"]}]}""");
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
            {"metadata":{"name":"alice-escalator"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"escalator"},"subjects":[{"kind":"User","name":"alice"}]}
            """);
        HttpStatusCode code = 0;
        for (var i = 0; i < 50 && code != HttpStatusCode.Created; i++)
        {
            code = (await _alice.PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
                TestServer.Json("""{"metadata":{"name":"deleter"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["delete"]}]}"""))).StatusCode;
            if (code != HttpStatusCode.Created)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.Created, code);
    }

    [Fact]
    public async Task Binding_NeedsTheRolesPermissionsOrBind()
    {
        // Binding the "view"-like reader role she holds is fine; binding "edit" (which she does not hold) is not.
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", """{"metadata":{"name":"pod-reader"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["list"]}]}""");
        var ok = await _alice.PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", TestServer.Json("""
            {"metadata":{"name":"bob-reads"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User","name":"bob"}]}
            """));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);

        var edit = await _alice.PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", TestServer.Json("""
            {"metadata":{"name":"bob-edits"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","name":"bob"}]}
            """));
        Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
        var message = (string?)JsonNode.Parse(await edit.Content.ReadAsStringAsync())!["message"];
        Assert.StartsWith("rolebindings.rbac.authorization.k8s.io \"bob-edits\" is forbidden: user \"alice\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n", message);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"get\" \"list\" \"watch\" \"create\" \"delete\" \"deletecollection\" \"patch\" \"update\"]}", message);

        // "bind" on the edit ClusterRole lets her bind it without holding it.
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", """{"metadata":{"name":"binder"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],"verbs":["bind"],"resourceNames":["edit"]}]}""");
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
            {"metadata":{"name":"alice-binder"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"binder"},"subjects":[{"kind":"User","name":"alice"}]}
            """);
        HttpStatusCode code = 0;
        for (var i = 0; i < 50 && code != HttpStatusCode.Created; i++)
        {
            code = (await _alice.PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", TestServer.Json("""
                {"metadata":{"name":"bob-edits"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"kind":"User","name":"bob"}]}
                """))).StatusCode;
            if (code != HttpStatusCode.Created)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.Created, code);
    }
}
