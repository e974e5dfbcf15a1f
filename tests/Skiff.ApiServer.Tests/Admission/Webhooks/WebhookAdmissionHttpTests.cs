using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission.Webhooks;

/// <summary>Admission webhooks through the real HTTP pipeline, served by a test Kestrel on 127.0.0.1 with its CA in caBundle.</summary>
public sealed class WebhookAdmissionHttpTests
{
    private const string Validating = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
    private const string Mutating = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    private static JsonObject Hook(string name, JsonObject clientConfig, string failurePolicy = "Fail", int timeout = 10, string resource = "configmaps",
        JsonObject? objectSelector = null, string? reinvocation = null)
    {
        var hook = new JsonObject
        {
            ["name"] = name,
            ["clientConfig"] = clientConfig,
            ["rules"] = new JsonArray(new JsonObject
            {
                ["operations"] = new JsonArray("CREATE", "UPDATE"), ["apiGroups"] = new JsonArray(""), ["apiVersions"] = new JsonArray("v1"), ["resources"] = new JsonArray(resource),
            }),
            ["failurePolicy"] = failurePolicy,
            ["sideEffects"] = "None",
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["timeoutSeconds"] = timeout,
        };
        if (objectSelector is not null)
        {
            hook["objectSelector"] = objectSelector;
        }

        if (reinvocation is not null)
        {
            hook["reinvocationPolicy"] = reinvocation;
        }

        return hook;
    }

    private static JsonObject UrlConfig(TestWebhook hook, string path) => new() { ["url"] = hook.Url(path), ["caBundle"] = Convert.ToBase64String(hook.CaBundle) };

    private static async Task ConfigureAsync(TestServer server, string collection, string kind, string name, params JsonObject[] hooks)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1", ["kind"] = kind, ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray(hooks.Select(h => (JsonNode?)h).ToArray()),
        };
        var created = await server.Client.PostAsync(collection, TestServer.Json(body.ToJsonString()));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        // A consistent read waits until the watch cache (which admission reads) holds the new configuration.
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"{collection}/{name}")).StatusCode);
    }

    private static Task<HttpResponseMessage> CreateConfigMapAsync(TestServer server, string name, string? label = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (label is not null)
        {
            meta["labels"] = new JsonObject { ["hook"] = label };
        }

        var body = new JsonObject { ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = "v" } };
        return server.Client.PostAsync(ConfigMaps, TestServer.Json(body.ToJsonString()));
    }

    private static async Task<JsonNode> StatusAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [Fact]
    public async Task Validating_Denies_WithKubernetesMessage_AndSeesTheRequest()
    {
        await using var hook = await TestWebhook.StartAsync((_, review) =>
        {
            var name = (string?)review["request"]!["name"];
            return Task.FromResult(name == "bad"
                ? TestWebhook.Answer(review, false, "configmap name bad is not allowed", 403)
                : TestWebhook.Answer(review, true, warnings: "webhook says hi"));
        });
        await using var server = await TestServer.StartAsync();
        await ConfigureAsync(server, Validating, "ValidatingWebhookConfiguration", "deny", Hook("deny.example.com", UrlConfig(hook, "/validate")));

        var denied = await CreateConfigMapAsync(server, "bad");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var status = await StatusAsync(denied);
        Assert.Equal("admission webhook \"deny.example.com\" denied the request: configmap name bad is not allowed", (string?)status["message"]);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"{ConfigMaps}/bad")).StatusCode);

        var allowed = await CreateConfigMapAsync(server, "good");
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.Contains(allowed.Headers.GetValues("Warning"), w => w.Contains("webhook says hi"));

        var request = hook.Reviews.Last()["request"]!;
        Assert.Equal("admission.k8s.io/v1", (string?)hook.Reviews.Last()["apiVersion"]);
        Assert.Equal("CREATE", (string?)request["operation"]);
        Assert.Equal("ConfigMap", (string?)request["kind"]!["kind"]);
        Assert.Equal("configmaps", (string?)request["resource"]!["resource"]);
        Assert.Equal("default", (string?)request["namespace"]);
        Assert.Equal("system:admin", (string?)request["userInfo"]!["username"]);
        Assert.Equal("v", (string?)request["object"]!["data"]!["k"]);
        Assert.Equal("CreateOptions", (string?)request["options"]!["kind"]);
        Assert.False((bool?)request["dryRun"]);
        Assert.False(string.IsNullOrEmpty((string?)request["uid"]));
    }

    [Fact]
    public async Task Mutating_JsonPatchAddsALabel_UpdateSeesOldObject()
    {
        await using var hook = await TestWebhook.StartAsync((_, review) =>
            Task.FromResult(TestWebhook.Answer(review, true, patch: """[{"op":"add","path":"/metadata/labels","value":{"mutated":"yes"}}]""")));
        await using var server = await TestServer.StartAsync();
        await ConfigureAsync(server, Mutating, "MutatingWebhookConfiguration", "label", Hook("label.example.com", UrlConfig(hook, "/mutate")));

        var created = await CreateConfigMapAsync(server, "m1");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("yes", (string?)(await StatusAsync(created))["metadata"]!["labels"]!["mutated"]);
        var stored = JsonNode.Parse(await server.Client.GetStringAsync($"{ConfigMaps}/m1"))!;
        Assert.Equal("yes", (string?)stored["metadata"]!["labels"]!["mutated"]);

        var update = await server.Client.PutAsync($"{ConfigMaps}/m1", TestServer.Json("""{"metadata":{"name":"m1"},"data":{"k":"v2"}}"""));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var request = hook.Reviews.Last()["request"]!;
        Assert.Equal("UPDATE", (string?)request["operation"]);
        Assert.Equal("v", (string?)request["oldObject"]!["data"]!["k"]);
        Assert.Equal("yes", (string?)(await StatusAsync(update))["metadata"]!["labels"]!["mutated"]);
    }

    [Fact]
    public async Task Mutating_ReinvocationIfNeeded_RunsTheEarlierWebhookAgainAfterALaterChange()
    {
        await using var hook = await TestWebhook.StartAsync((path, review) =>
        {
            var labels = review["request"]!["object"]!["metadata"]!["labels"] as JsonObject;
            string? patch = path switch
            {
                // "a" copies label "b" into "copied-b" when it is there: it needs to see the object after "b" ran.
                "/a" when labels?["b"] is not null && labels["copied-b"] is null => """[{"op":"add","path":"/metadata/labels/copied-b","value":"yes"}]""",
                "/b" when labels?["b"] is null => labels is null
                    ? """[{"op":"add","path":"/metadata/labels","value":{"b":"set"}}]"""
                    : """[{"op":"add","path":"/metadata/labels/b","value":"set"}]""",
                _ => null,
            };
            return Task.FromResult(TestWebhook.Answer(review, true, patch: patch));
        });
        await using var server = await TestServer.StartAsync();
        await ConfigureAsync(server, Mutating, "MutatingWebhookConfiguration", "reinvoke",
            Hook("a.example.com", UrlConfig(hook, "/a"), reinvocation: "IfNeeded"), Hook("b.example.com", UrlConfig(hook, "/b")));

        var created = await CreateConfigMapAsync(server, "r1");
        var labels = (await StatusAsync(created))["metadata"]!["labels"]!;
        Assert.Equal("set", (string?)labels["b"]);
        Assert.Equal("yes", (string?)labels["copied-b"]);
        Assert.Equal(3, hook.Reviews.Count);
    }

    [Fact]
    public async Task WebhookDown_FailPolicyRefuses_IgnorePolicyAdmits()
    {
        await using var server = await TestServer.StartAsync();
        var down = new JsonObject { ["url"] = $"https://127.0.0.1:{FreePort()}/x" };
        await ConfigureAsync(server, Validating, "ValidatingWebhookConfiguration", "down",
            Hook("fail.example.com", down, "Fail", objectSelector: Selector("fail")),
            Hook("ignore.example.com", (JsonObject)down.DeepClone(), "Ignore", objectSelector: Selector("ignore")));

        var refused = await CreateConfigMapAsync(server, "f1", "fail");
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        var status = await StatusAsync(refused);
        Assert.Equal("InternalError", (string?)status["reason"]);
        Assert.StartsWith("Internal error occurred: failed calling webhook \"fail.example.com\": failed to call webhook: Post \"https://127.0.0.1:", (string?)status["message"]);

        Assert.Equal(HttpStatusCode.Created, (await CreateConfigMapAsync(server, "i1", "ignore")).StatusCode);

        // The objectSelector keeps both webhooks away from an object without the label.
        Assert.Equal(HttpStatusCode.Created, (await CreateConfigMapAsync(server, "n1")).StatusCode);
    }

    [Fact]
    public async Task Timeout_FailPolicy_ReportsDeadlineExceeded()
    {
        await using var hook = await TestWebhook.StartAsync(async (_, review) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            return TestWebhook.Answer(review, true);
        });
        await using var server = await TestServer.StartAsync();
        await ConfigureAsync(server, Validating, "ValidatingWebhookConfiguration", "slow", Hook("slow.example.com", UrlConfig(hook, "/slow"), timeout: 1));

        var refused = await CreateConfigMapAsync(server, "t1");
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Contains("context deadline exceeded", (string?)(await StatusAsync(refused))["message"]);
    }

    [Fact]
    public async Task WrongCaBundle_IsACallFailure()
    {
        await using var hook = await TestWebhook.StartAsync((_, review) => Task.FromResult(TestWebhook.Answer(review, true)));
        await using var other = await TestWebhook.StartAsync((_, review) => Task.FromResult(TestWebhook.Answer(review, true)));
        await using var server = await TestServer.StartAsync();
        await ConfigureAsync(server, Validating, "ValidatingWebhookConfiguration", "wrongca",
            Hook("ca.example.com", new JsonObject { ["url"] = hook.Url("/v"), ["caBundle"] = Convert.ToBase64String(other.CaBundle) }));

        var refused = await CreateConfigMapAsync(server, "c1");
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Contains("failed calling webhook \"ca.example.com\"", (string?)(await StatusAsync(refused))["message"]);
        Assert.Empty(hook.Reviews);
    }

    [Fact]
    public async Task ServiceReference_IsResolvedToTheServicesEndpoint()
    {
        await using var hook = await TestWebhook.StartAsync((_, review) =>
            Task.FromResult(TestWebhook.Answer(review, false, "denied through the service")));
        await using var server = await TestServer.StartAsync();

        // Endpoints may not name loopback addresses (as in Kubernetes), so the in-process test reaches its webhook through
        // an ExternalName Service; endpoint selection itself is covered by ServiceEndpointResolverTests. The call still goes
        // to https://hook.default.svc:PORT, so the certificate must name hook.default.svc.
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/services", TestServer.Json(
            """{"metadata":{"name":"hook"},"spec":{"type":"ExternalName","externalName":"localhost"}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/v1/namespaces/default/services/hook")).StatusCode);
        await ConfigureAsync(server, Validating, "ValidatingWebhookConfiguration", "svc", Hook("svc.example.com", new JsonObject
        {
            ["service"] = new JsonObject { ["namespace"] = "default", ["name"] = "hook", ["path"] = "/validate", ["port"] = hook.Port },
            ["caBundle"] = Convert.ToBase64String(hook.CaBundle),
        }));

        var denied = await CreateConfigMapAsync(server, "s1");
        Assert.Equal(HttpStatusCode.BadRequest, denied.StatusCode);
        Assert.Equal("admission webhook \"svc.example.com\" denied the request: denied through the service", (string?)(await StatusAsync(denied))["message"]);
    }

    [Fact]
    public async Task Validating_Delete_SeesOldObjectAndOptions_DryRunIsFlagged()
    {
        await using var hook = await TestWebhook.StartAsync((_, review) =>
            Task.FromResult(TestWebhook.Answer(review, (string?)review["request"]!["operation"] != "DELETE", "keep it")));
        await using var server = await TestServer.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await CreateConfigMapAsync(server, "d1")).StatusCode);
        var hookConfig = Hook("nodelete.example.com", UrlConfig(hook, "/v"));
        hookConfig["rules"]![0]!["operations"] = new JsonArray("DELETE", "CREATE");
        await ConfigureAsync(server, Validating, "ValidatingWebhookConfiguration", "nodelete", hookConfig);

        var denied = await server.Client.DeleteAsync($"{ConfigMaps}/d1");
        Assert.Equal(HttpStatusCode.BadRequest, denied.StatusCode);
        Assert.Equal("admission webhook \"nodelete.example.com\" denied the request: keep it", (string?)(await StatusAsync(denied))["message"]);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"{ConfigMaps}/d1")).StatusCode);
        var request = hook.Reviews.Last()["request"]!;
        Assert.Null(request["object"]);
        Assert.Equal("d1", (string?)request["oldObject"]!["metadata"]!["name"]);
        Assert.Equal("DeleteOptions", (string?)request["options"]!["kind"]);

        var dryRun = await server.Client.PostAsync(ConfigMaps + "?dryRun=All", TestServer.Json("""{"metadata":{"name":"dry"}}"""));
        Assert.Equal(HttpStatusCode.Created, dryRun.StatusCode);
        Assert.True((bool?)hook.Reviews.Last()["request"]!["dryRun"]);
    }

    [Fact]
    public async Task InvalidConfiguration_Is422()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.PostAsync(Validating, TestServer.Json(
            """{"metadata":{"name":"bad"},"webhooks":[{"name":"bad","clientConfig":{"url":"http://x/"},"admissionReviewVersions":["v1"]}]}"""));
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var message = (string?)(await StatusAsync(response))["message"];
        Assert.Contains("webhooks[0].sideEffects: Required value", message);
        Assert.Contains("'https' is the only allowed URL scheme", message);
    }

    private static JsonObject Selector(string value) => new() { ["matchLabels"] = new JsonObject { ["hook"] = value } };

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
