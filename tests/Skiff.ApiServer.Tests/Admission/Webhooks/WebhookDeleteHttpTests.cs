using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission.Webhooks;

/// <summary>
/// DELETE through admission webhooks, as kube-apiserver does it: mutating webhooks registered for DELETE are called
/// (before the validating ones) with no object and the stored object as oldObject; they may allow or deny but a patch is
/// an error.
/// </summary>
public sealed class WebhookDeleteHttpTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    private static JsonObject Configuration(string kind, string name, TestWebhook hook, string path, string failurePolicy = "Fail") => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["webhooks"] = new JsonArray(new JsonObject
        {
            ["name"] = name + ".example.com",
            ["clientConfig"] = new JsonObject { ["url"] = hook.Url(path), ["caBundle"] = Convert.ToBase64String(hook.CaBundle) },
            ["rules"] = new JsonArray(new JsonObject
            {
                ["operations"] = new JsonArray("DELETE"), ["apiGroups"] = new JsonArray(""), ["apiVersions"] = new JsonArray("v1"), ["resources"] = new JsonArray("configmaps"),
            }),
            ["failurePolicy"] = failurePolicy,
            ["sideEffects"] = "None",
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["timeoutSeconds"] = 10,
        }),
    };

    private static async Task ConfigureAsync(TestServer server, JsonObject configuration)
    {
        var collection = (string)configuration["kind"]! == "MutatingWebhookConfiguration"
            ? "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"
            : "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
        var created = await server.Client.PostAsync(collection, TestServer.Json(configuration.ToJsonString()));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        // A consistent read waits until the watch cache (which admission reads) holds the new configuration.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"{collection}/{(string)configuration["metadata"]!["name"]!}")).StatusCode);
    }

    private static async Task CreateConfigMapAsync(TestServer server, string name)
    {
        var created = await server.Client.PostAsync(ConfigMaps, TestServer.Json($$$"""{"metadata":{"name":"{{{name}}}","labels":{"app":"web"}},"data":{"k":"v"}}"""));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private static async Task<JsonNode> BodyAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [Fact]
    public async Task Delete_MutatingWebhookForDelete_IsCalledWithOldObjectBeforeTheValidatingOne()
    {
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var hook = await TestWebhook.StartAsync((path, review) =>
        {
            order.Enqueue(path);
            return Task.FromResult(TestWebhook.Answer(review, true));
        });
        await using var server = await TestServer.StartAsync();
        await CreateConfigMapAsync(server, "d1");
        await ConfigureAsync(server, Configuration("ValidatingWebhookConfiguration", "check", hook, "/validate"));
        await ConfigureAsync(server, Configuration("MutatingWebhookConfiguration", "audit", hook, "/mutate"));

        var deleted = await server.Client.DeleteAsync($"{ConfigMaps}/d1");
        Assert.True(deleted.StatusCode == HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"{ConfigMaps}/d1")).StatusCode);

        Assert.Equal(["/mutate", "/validate"], order);
        var request = hook.Reviews.First()["request"]!;
        Assert.Equal("DELETE", (string?)request["operation"]);
        Assert.Null(request["object"]);
        Assert.Equal("d1", (string?)request["oldObject"]!["metadata"]!["name"]);
        Assert.Equal("ConfigMap", (string?)request["oldObject"]!["kind"]);
        Assert.Equal("v", (string?)request["oldObject"]!["data"]!["k"]);
        Assert.Equal("DeleteOptions", (string?)request["options"]!["kind"]);
        Assert.Equal("system:admin", (string?)request["userInfo"]!["username"]);
    }

    [Fact]
    public async Task Delete_MutatingWebhookDenies_TheObjectStays()
    {
        await using var hook = await TestWebhook.StartAsync((_, review) => Task.FromResult(TestWebhook.Answer(review, false, "protected by policy", 403)));
        await using var server = await TestServer.StartAsync();
        await CreateConfigMapAsync(server, "keep");
        await ConfigureAsync(server, Configuration("MutatingWebhookConfiguration", "guard", hook, "/mutate"));

        var denied = await server.Client.DeleteAsync($"{ConfigMaps}/keep");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var status = await BodyAsync(denied);
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("admission webhook \"guard.example.com\" denied the request: protected by policy", (string?)status["message"]);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"{ConfigMaps}/keep")).StatusCode);

        // The webhook is for DELETE only: creating and updating never call it.
        var calls = hook.Reviews.Count;
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PutAsync($"{ConfigMaps}/keep", TestServer.Json("""{"metadata":{"name":"keep"},"data":{"k":"v2"}}"""))).StatusCode);
        Assert.Equal(calls, hook.Reviews.Count);
    }

    [Fact]
    public async Task Delete_MutatingWebhookReturnsAPatch_IsAnInternalErrorEvenWithIgnorePolicy_AnEmptyPatchIsNot()
    {
        await using var hook = await TestWebhook.StartAsync((path, review) => Task.FromResult(TestWebhook.Answer(
            review, true, patch: path == "/patch" ? """[{"op":"add","path":"/metadata/labels/x","value":"y"}]""" : "[]")));
        await using var server = await TestServer.StartAsync();
        await CreateConfigMapAsync(server, "p1");
        await ConfigureAsync(server, Configuration("MutatingWebhookConfiguration", "empty", hook, "/empty"));
        await ConfigureAsync(server, Configuration("MutatingWebhookConfiguration", "patcher", hook, "/patch", failurePolicy: "Ignore"));

        var refused = await server.Client.DeleteAsync($"{ConfigMaps}/p1");
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        var status = await BodyAsync(refused);
        Assert.Equal("InternalError", (string?)status["reason"]);
        Assert.Equal(
            "Internal error occurred: admission webhook \"patcher.example.com\" attempted to modify the object, which is not supported for this operation",
            (string?)status["message"]);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"{ConfigMaps}/p1")).StatusCode);

        // Without the patching webhook, the empty patch of the other one is no modification: the delete goes through.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.DeleteAsync("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/patcher")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/patcher")).StatusCode);
        var deleted = await server.Client.DeleteAsync($"{ConfigMaps}/p1");
        Assert.True(deleted.StatusCode == HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());
    }
}
