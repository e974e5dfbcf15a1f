using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Authentication;

/// <summary>NodeRestriction for TokenRequest: a node agent gets tokens only bound to pods scheduled on it.</summary>
public sealed class NodeTokenRequestTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _node = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(o => o.Tokens = new Dictionary<string, UserInfo>
        {
            ["node-token"] = new("system:node:n1", "", ["system:nodes"]),
        });
        _node = _server.CreateClient(null);
        _node.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "node-token");
        foreach (var (pod, node) in new[] { ("here", "n1"), ("there", "n2") })
        {
            var r = await _server.Client.PostAsync("/api/v1/namespaces/default/pods",
                TestServer.Json($$$"""{"metadata":{"name":"{{{pod}}}"},"spec":{"nodeName":"{{{node}}}","containers":[{"name":"c","image":"busybox"}]}}"""));
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await _server.Client.PostAsync("/api/v1/namespaces/default/serviceaccounts", TestServer.Json("""{"metadata":{"name":"default"}}"""))).StatusCode);
    }

    public async Task DisposeAsync()
    {
        _node.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Code, JsonNode Body)> RequestAsync(string boundRef)
    {
        var r = await _node.PostAsync("/api/v1/namespaces/default/serviceaccounts/default/token",
            TestServer.Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{""" + boundRef + "}}"));
        return (r.StatusCode, JsonNode.Parse(await r.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Node_GetsTokensOnlyForItsOwnPods()
    {
        var (code, body) = await RequestAsync("""  "boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"here"}""");
        Assert.True(code == HttpStatusCode.Created, body.ToJsonString());
        var token = (string)body["status"]!["token"]!;
        var payload = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]))!;
        Assert.Equal("n1", (string?)payload["kubernetes.io"]!["node"]!["name"]);

        (code, body) = await RequestAsync("""  "boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"there"}""");
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("serviceaccounts \"default\" is forbidden: node requested token bound to a pod scheduled on a different node", (string?)body["message"]);

        (code, body) = await RequestAsync("");
        Assert.Equal(HttpStatusCode.Forbidden, code);
        Assert.Equal("serviceaccounts \"default\" is forbidden: node requested token not bound to a pod", (string?)body["message"]);
    }
}
