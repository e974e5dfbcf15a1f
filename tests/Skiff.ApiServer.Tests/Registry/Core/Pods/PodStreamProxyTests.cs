using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Registry.Core.Pods;

/// <summary>pods/exec, pods/attach and pods/portforward through the real HTTP pipeline, up to the point where a kubelet is needed.</summary>
public sealed class PodStreamProxyTests : IAsyncLifetime
{
    private const string Pod = """{"metadata":{"name":"web"},"spec":{"containers":[{"name":"app","image":"busybox"},{"name":"side","image":"busybox"}]}}""";
    private TestServer _server = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(o => o.Tokens = new Dictionary<string, UserInfo> { ["alice-token"] = new("alice", "u-alice", ["dev"]) });
        _alice = _server.CreateClient(null);
        _alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "alice-token");
        var created = await _server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(Pod));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _server.DisposeAsync();
    }

    private static HttpRequestMessage Upgrade(HttpMethod method, string path, string protocol = "SPDY/3.1")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue(protocol.Split('/')[0], protocol.Contains('/') ? protocol.Split('/')[1] : null));
        request.Headers.Add("X-Stream-Protocol-Version", "v4.channel.k8s.io");
        return request;
    }

    private static async Task<(HttpStatusCode Code, string Reason, string Message)> StatusOf(HttpResponseMessage response)
    {
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (response.StatusCode, (string?)status["reason"] ?? "", (string?)status["message"] ?? "");
    }

    [Fact]
    public async Task Exec_ChecksContainerCommandStreamsAndNode_WithKubernetesText()
    {
        const string pods = "/api/v1/namespaces/default/pods/web";
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "container nope is not valid for pod web"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/exec?container=nope&command=ls&stdout=true"))));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "a container name must be specified for pod web, choose one of: [app side]"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/exec?command=ls&stdout=true"))));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "you must specify at least one command for the container"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/exec?container=app&stdout=true"))));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "you must specify at least 1 of stdin, stdout, stderr"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/attach?container=app"))));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "Upgrade request required"),
            await StatusOf(await _server.Client.PostAsync(pods + "/exec?container=app&command=ls&stdout=true", null)));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "pod web does not have a host assigned"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/exec?container=app&command=ls&stdout=true"))));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "pod web does not have a host assigned"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/portforward"))));
        Assert.Equal((HttpStatusCode.BadRequest, "BadRequest", "invalid port 0: must be between 1 and 65535, inclusive"),
            await StatusOf(await _server.Client.SendAsync(Upgrade(HttpMethod.Post, pods + "/portforward?ports=80,0"))));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.SendAsync(Upgrade(HttpMethod.Post, "/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true"))).StatusCode);
    }

    [Fact]
    public async Task WebSocketGet_NeedsCreateAsWellAsGet_OnTheSubresource()
    {
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            """{"metadata":{"name":"exec-get"},"rules":[{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get"]}]}""");
        await Admin("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            """{"metadata":{"name":"alice-exec"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"exec-get"},"subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]}""");
        await EventuallyAsync(async () => (await _alice.GetAsync("/api/v1/namespaces/default/pods/web")).StatusCode == HttpStatusCode.OK);

        var denied = await StatusOf(await _alice.SendAsync(Upgrade(HttpMethod.Get, "/api/v1/namespaces/default/pods/web/exec?container=app&command=ls&stdout=true", "websocket")));
        Assert.Equal((HttpStatusCode.Forbidden, "Forbidden"), (denied.Code, denied.Reason));
        Assert.Contains("User \"alice\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"", denied.Message);

        var update = await _server.Client.PutAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/exec-get", TestServer.Json(
            """{"metadata":{"name":"exec-get"},"rules":[{"apiGroups":[""],"resources":["pods","pods/exec"],"verbs":["get","create"]}]}"""));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        await EventuallyAsync(async () => (await _alice.SendAsync(Upgrade(HttpMethod.Get, "/api/v1/namespaces/default/pods/web/exec?container=app&command=ls&stdout=true", "websocket"))).StatusCode
            == HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Discovery_ListsTheStreamingSubresources()
    {
        var resources = JsonNode.Parse(await _server.Client.GetStringAsync("/api/v1"))!["resources"]!.AsArray();
        foreach (var (name, kind) in new[] { ("pods/exec", "PodExecOptions"), ("pods/attach", "PodAttachOptions"), ("pods/portforward", "PodPortForwardOptions") })
        {
            var entry = resources.Single(r => (string?)r!["name"] == name)!;
            Assert.Equal(kind, (string?)entry["kind"]);
            Assert.Equal(["create", "get"], entry["verbs"]!.AsArray().Select(v => (string?)v));
        }
    }

    private async Task Admin(string path, string json)
    {
        var res = await _server.Client.PostAsync(path, TestServer.Json(json));
        Assert.True(res.StatusCode == HttpStatusCode.Created, await res.Content.ReadAsStringAsync());
    }

    // RBAC reads its informer caches: a new rule applies a moment after it is written.
    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(100);
        }
    }
}
