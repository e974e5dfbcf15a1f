using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Http;

/// <summary>PATCH (JSON, merge, strategic), server-side apply and managedFields through the real HTTPS pipeline.</summary>
public sealed class PatchAndApplyTests : IAsyncLifetime
{
    private const string Deploys = "/apis/apps/v1/namespaces/default/deployments";
    private const string Cms = "/api/v1/namespaces/default/configmaps";
    private const string Pods = "/api/v1/namespaces/default/pods";
    private const string Smp = "application/strategic-merge-patch+json";
    private const string Apply = "application/apply-patch+yaml";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Code, JsonNode? Body)> SendAsync(HttpMethod method, string url, string? body = null, string contentType = "application/json", string? userAgent = null)
    {
        using var req = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            req.Content = new StringContent(body, Encoding.UTF8);
            req.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (userAgent is not null)
        {
            req.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        using var res = await _server.Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private Task<(HttpStatusCode Code, JsonNode? Body)> PatchAsync(string url, string body, string contentType) => SendAsync(HttpMethod.Patch, url, body, contentType);

    private static string Deployment(string name, int replicas = 1, string image = "nginx:1") => """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},
         "spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"NAME"}},
          "template":{"metadata":{"labels":{"app":"NAME"}},"spec":{"containers":[{"name":"web","image":"IMAGE"}]}}}}
        """.Replace("NAME", name).Replace("REPLICAS", replicas.ToString()).Replace("IMAGE", image);

    private static JsonNode? Entry(JsonNode obj, string manager, string operation) =>
        obj["metadata"]!["managedFields"]?.AsArray().FirstOrDefault(e => (string?)e!["manager"] == manager && (string?)e["operation"] == operation);

    // ---- strategic merge patch ----

    [Fact]
    public async Task StrategicPatch_AddsContainerByName_AndKeepsTheOther()
    {
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, Deploys, Deployment("smp"))).Code);
        var (code, body) = await PatchAsync(Deploys + "/smp", """{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"redis"}]}}}}""", Smp);
        Assert.Equal(HttpStatusCode.OK, code);
        var containers = body!["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["side", "web"], containers.Select(c => (string)c!["name"]!));
        Assert.Equal("IfNotPresent", (string?)containers[1]!["imagePullPolicy"]);
    }

    [Fact]
    public async Task StrategicPatch_DeleteDirectiveAndRetainKeys_Work()
    {
        await SendAsync(HttpMethod.Post, Deploys, Deployment("dir"));
        var (code, body) = await PatchAsync(Deploys + "/dir", """
            {"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"},
             "template":{"spec":{"containers":[{"name":"web","$patch":"delete"},{"name":"new","image":"busybox"}]}}}}
            """, Smp);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Recreate", (string?)body!["spec"]!["strategy"]!["type"]);
        Assert.Null(body["spec"]!["strategy"]!["rollingUpdate"]);
        Assert.Equal(["new"], body["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
    }

    [Fact]
    public async Task StrategicPatch_OnStatus_MergesConditionsByType()
    {
        await SendAsync(HttpMethod.Post, Pods, """{"metadata":{"name":"st"},"spec":{"containers":[{"name":"c","image":"i"}]}}""");
        var first = await PatchAsync(Pods + "/st/status", """{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}}""", Smp);
        Assert.Equal(HttpStatusCode.OK, first.Code);
        var (code, body) = await PatchAsync(Pods + "/st/status", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", Smp);
        Assert.Equal(HttpStatusCode.OK, code);
        var conditions = body!["status"]!["conditions"]!.AsArray();
        Assert.Equal(2, conditions.Count);
        Assert.Equal("True", (string?)conditions.First(c => (string?)c!["type"] == "Ready")!["status"]);
        Assert.NotNull(Entry(body, "Mozilla", "Update") ?? body["metadata"]!["managedFields"]!.AsArray().First(e => (string?)e!["subresource"] == "status"));
    }

    [Fact]
    public async Task StrategicPatch_OnScale_ChangesReplicas()
    {
        await SendAsync(HttpMethod.Post, Deploys, Deployment("sc"));
        var (code, body) = await PatchAsync(Deploys + "/sc/scale?fieldManager=scaler", """{"spec":{"replicas":4}}""", Smp);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(4, (int)body!["spec"]!["replicas"]!);
        var (_, obj) = await SendAsync(HttpMethod.Get, Deploys + "/sc");
        Assert.Equal(4, (int)obj!["spec"]!["replicas"]!);
        var entry = Entry(obj, "scaler", "Update")!;
        Assert.Equal("scale", (string?)entry["subresource"]);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", entry["fieldsV1"]!.ToJsonString());
    }

    [Theory]
    [InlineData("application/strategic-merge-patch+json", """{"metadata":{"labels":{"$patch":"bogus"}}}""", 400)]
    [InlineData("application/strategic-merge-patch+json", """{"data":""", 400)]
    [InlineData("application/strategic-merge-patch+json", """{"data":{"k":5}}""", 400)]
    [InlineData("application/merge-patch+json", """{"metadata":{"name":"other"}}""", 400)]
    [InlineData("application/json-patch+json", """[{"op":"test","path":"/data/k","value":"nope"}]""", 422)]
    [InlineData("application/json-patch+json", """[{"op":"remove","path":"/data/missing"}]""", 422)]
    [InlineData("application/json-patch+json", """[{"op":"replace","path":"/data/k","value":"new"}]""", 422)]
    [InlineData("text/plain", """{}""", 415)]
    public async Task BadPatch_AnswersStatus_AndLeavesObjectUnchanged(string contentType, string patch, int expected)
    {
        var (_, created) = await SendAsync(HttpMethod.Post, Cms, """{"metadata":{"name":"bad"},"data":{"k":"v"},"immutable":true}""");
        var rv = (string?)created!["metadata"]!["resourceVersion"];
        var (code, body) = await PatchAsync(Cms + "/bad", patch, contentType);
        Assert.Equal((HttpStatusCode)expected, code);
        Assert.Equal("Status", (string?)body!["kind"]);
        Assert.False(string.IsNullOrEmpty((string?)body["message"]));
        var (_, after) = await SendAsync(HttpMethod.Get, Cms + "/bad");
        Assert.Equal(rv, (string?)after!["metadata"]!["resourceVersion"]);
        Assert.Equal("v", (string?)after["data"]!["k"]);
    }

    [Fact]
    public async Task Patch_MissingObject_Answers404()
    {
        var (code, body) = await PatchAsync(Cms + "/nope", """{"data":{"a":"b"}}""", Smp);
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", (string?)body!["reason"]);
    }

    // ---- managedFields on every write path ----

    [Fact]
    public async Task Create_RecordsManagerFromFieldManagerOrUserAgent()
    {
        var (_, a) = await SendAsync(HttpMethod.Post, Cms + "?fieldManager=my-tool", """{"metadata":{"name":"mf1","labels":{"x":"y"}},"data":{"k":"v"}}""");
        var entry = Entry(a!, "my-tool", "Update")!;
        Assert.Equal("v1", (string?)entry["apiVersion"]);
        Assert.Equal("FieldsV1", (string?)entry["fieldsType"]);
        Assert.Equal("""{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:x":{}}}}""", entry["fieldsV1"]!.ToJsonString());

        var (_, b) = await SendAsync(HttpMethod.Post, Cms, """{"metadata":{"name":"mf2"},"data":{"k":"v"}}""", userAgent: "kubectl-create/v1.33.0 (linux/amd64) kubernetes/abc");
        Assert.NotNull(Entry(b!, "kubectl-create", "Update"));
    }

    [Fact]
    public async Task Update_TakesChangedFieldsFromOtherManagers()
    {
        await SendAsync(HttpMethod.Post, Cms + "?fieldManager=a", """{"metadata":{"name":"mf3"},"data":{"k":"v","j":"w"}}""");
        var (_, body) = await PatchAsync(Cms + "/mf3?fieldManager=b", """{"data":{"k":"changed"}}""", "application/merge-patch+json");
        Assert.Equal("""{"f:data":{".":{},"f:j":{}}}""", Entry(body!, "a", "Update")!["fieldsV1"]!.ToJsonString());
        Assert.Equal("""{"f:data":{"f:k":{}}}""", Entry(body!, "b", "Update")!["fieldsV1"]!.ToJsonString());

        // A PUT without managedFields keeps them; an empty entry list clears them.
        var (_, got) = await SendAsync(HttpMethod.Get, Cms + "/mf3");
        got!["metadata"]!.AsObject().Remove("managedFields");
        var (_, put) = await SendAsync(HttpMethod.Put, Cms + "/mf3?fieldManager=c", got.ToJsonString());
        Assert.NotNull(Entry(put!, "a", "Update"));
        var (_, cleared) = await PatchAsync(Cms + "/mf3", """{"metadata":{"managedFields":[{}]}}""", "application/merge-patch+json");
        Assert.Null(cleared!["metadata"]!["managedFields"]);
    }

    // ---- server-side apply ----

    [Fact]
    public async Task Apply_CreatesThenUpdates_WithApplyEntry()
    {
        var (code, body) = await PatchAsync(Cms + "/ssa1?fieldManager=tool", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa1"},"data":{"a":"1","b":"2"}}""", Apply);
        Assert.Equal(HttpStatusCode.Created, code);
        var entry = Entry(body!, "tool", "Apply")!;
        Assert.Equal("""{"f:data":{"f:a":{},"f:b":{}}}""", entry["fieldsV1"]!.ToJsonString());

        // YAML body; b is no longer applied and nobody else owns it, so it goes.
        (code, body) = await PatchAsync(Cms + "/ssa1?fieldManager=tool", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa1\ndata:\n  a: \"3\"\n", Apply);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("""{"a":"3"}""", body!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_StoppedField_KeptWhenAnotherManagerOwnsIt()
    {
        await PatchAsync(Cms + "/ssa2?fieldManager=one", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa2"},"data":{"a":"1","b":"2"}}""", Apply);
        await PatchAsync(Cms + "/ssa2?fieldManager=two", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa2"},"data":{"b":"2"}}""", Apply);
        var (_, body) = await PatchAsync(Cms + "/ssa2?fieldManager=one", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa2"},"data":{"a":"1"}}""", Apply);
        Assert.Equal("2", (string?)body!["data"]!["b"]);
    }

    [Fact]
    public async Task Apply_Conflict_Answers409_ForceTransfersOwnership()
    {
        await SendAsync(HttpMethod.Post, Deploys + "?fieldManager=kubectl-client-side-apply", Deployment("cf", replicas: 2));
        var applied = Deployment("cf", replicas: 5);
        var (code, body) = await PatchAsync(Deploys + "/cf?fieldManager=ssa", applied, Apply);
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)body!["reason"]);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas", (string?)body["message"]);
        var cause = body["details"]!["causes"]![0]!;
        Assert.Equal("FieldManagerConflict", (string?)cause["reason"]);
        Assert.Equal(".spec.replicas", (string?)cause["field"]);
        Assert.Equal("conflict with \"kubectl-client-side-apply\" using apps/v1", (string?)cause["message"]);

        var (_, unchanged) = await SendAsync(HttpMethod.Get, Deploys + "/cf");
        Assert.Equal(2, (int)unchanged!["spec"]!["replicas"]!);

        (code, body) = await PatchAsync(Deploys + "/cf?fieldManager=ssa&force=true", applied, Apply);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(5, (int)body!["spec"]!["replicas"]!);
        Assert.Contains("f:replicas", Entry(body, "ssa", "Apply")!["fieldsV1"]!.ToJsonString());
        Assert.DoesNotContain("f:replicas", Entry(body, "kubectl-client-side-apply", "Update")!["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_SameValueAsOtherManager_SharesOwnershipWithoutConflict()
    {
        await SendAsync(HttpMethod.Post, Deploys + "?fieldManager=creator", Deployment("share", replicas: 3));
        var (code, body) = await PatchAsync(Deploys + "/share?fieldManager=ssa", Deployment("share", replicas: 3), Apply);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Contains("f:replicas", Entry(body!, "creator", "Update")!["fieldsV1"]!.ToJsonString());
        var containers = Entry(body!, "ssa", "Apply")!["fieldsV1"]!["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!.AsObject();
        Assert.Equal("""{".":{},"f:image":{},"f:name":{}}""", containers["k:{\"name\":\"web\"}"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_ConcurrentManagers_OneWinsOneConflicts()
    {
        var a = PatchAsync(Cms + "/race?fieldManager=alpha", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"race"},"data":{"k":"alpha"}}""", Apply);
        var b = PatchAsync(Cms + "/race?fieldManager=beta", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"race"},"data":{"k":"beta"}}""", Apply);
        var results = await Task.WhenAll(a, b);
        var winners = results.Where(r => r.Code is HttpStatusCode.OK or HttpStatusCode.Created).ToList();
        Assert.Single(winners);
        Assert.Single(results, r => r.Code == HttpStatusCode.Conflict);
        var (_, final) = await SendAsync(HttpMethod.Get, Cms + "/race");
        Assert.Equal((string?)winners[0].Body!["data"]!["k"], (string?)final!["data"]!["k"]);
    }

    [Fact]
    public async Task Apply_DryRun_DoesNotPersist()
    {
        var (code, body) = await PatchAsync(Cms + "/dry?fieldManager=t&dryRun=All", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"},"data":{"a":"1"}}""", Apply);
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("1", (string?)body!["data"]!["a"]);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, Cms + "/dry")).Code);
    }

    [Theory]
    [InlineData("", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}""", 422, "fieldManager: Required value")]
    [InlineData("?fieldManager=t", """{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}""", 400, "Incorrect version")]
    [InlineData("?fieldManager=t", """{"metadata":{"name":"x"}}""", 400, "apiVersion and kind")]
    [InlineData("?fieldManager=t", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","managedFields":[{"manager":"m"}]}}""", 400, "managedFields must be nil")]
    [InlineData("?fieldManager=t", "a: [", 400, "error decoding YAML")]
    [InlineData("?fieldManager=t&fieldValidation=Strict", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"bogus":1}""", 400, "unknown field \"bogus\"")]
    public async Task Apply_BadRequest_AnswersStatus(string query, string body, int expected, string message)
    {
        var (code, status) = await PatchAsync(Cms + "/x" + query, body, Apply);
        Assert.Equal((HttpStatusCode)expected, code);
        Assert.Contains(message, (string?)status!["message"]);
    }

    [Fact]
    public async Task Force_OnNonApplyPatch_Answers422()
    {
        await SendAsync(HttpMethod.Post, Cms, """{"metadata":{"name":"f"}}""");
        var (code, body) = await PatchAsync(Cms + "/f?force=true", """{"data":{"a":"b"}}""", Smp);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("force: Forbidden", (string?)body!["message"]);
    }
}
