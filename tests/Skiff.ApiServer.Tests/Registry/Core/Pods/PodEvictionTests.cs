using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry.Core.Pods;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Registry.Core.Pods;

/// <summary>The pods/eviction subresource through the real HTTP pipeline; the test publishes budget status as the disruption controller would.</summary>
public sealed class PodEvictionTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static async Task PodAsync(TestServer server, string name, string phase = "Running", bool ready = true)
    {
        var created = await server.Client.PostAsync("/api/v1/namespaces/default/pods",
            TestServer.Json($"{{\"metadata\":{{\"name\":\"{name}\",\"labels\":{{\"app\":\"web\"}}}},\"spec\":{{\"containers\":[{{\"name\":\"c\",\"image\":\"nginx\"}}]}}}}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pod = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        pod["status"] = JsonNode.Parse($"{{\"phase\":\"{phase}\",\"conditions\":[{{\"type\":\"Ready\",\"status\":\"{(ready ? "True" : "False")}\"}}]}}");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PutAsync($"/api/v1/namespaces/default/pods/{name}/status", TestServer.Json(pod.ToJsonString()))).StatusCode);
    }

    private static async Task BudgetAsync(TestServer server, string name, int allowed, int healthy = 2, int desired = 2, string selector = "{\"matchLabels\":{\"app\":\"web\"}}")
    {
        var created = await server.Client.PostAsync("/apis/policy/v1/namespaces/default/poddisruptionbudgets",
            TestServer.Json($"{{\"metadata\":{{\"name\":\"{name}\"}},\"spec\":{{\"minAvailable\":{desired},\"selector\":{selector}}}}}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pdb = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        pdb["status"] = JsonNode.Parse($"{{\"disruptionsAllowed\":{allowed},\"currentHealthy\":{healthy},\"desiredHealthy\":{desired},\"expectedPods\":{healthy},\"observedGeneration\":1}}");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.PutAsync($"/apis/policy/v1/namespaces/default/poddisruptionbudgets/{name}/status", TestServer.Json(pdb.ToJsonString()))).StatusCode);
    }

    private static Task<HttpResponseMessage> EvictAsync(TestServer server, string name, string query = "", string? evictionName = null) =>
        server.Client.PostAsync($"/api/v1/namespaces/default/pods/{name}/eviction{query}",
            TestServer.Json($"{{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{{\"name\":\"{evictionName ?? name}\",\"namespace\":\"default\"}}}}"));

    private static async Task<JsonNode> PdbStatusAsync(TestServer server, string name) =>
        JsonNode.Parse(await server.Client.GetStringAsync($"/apis/policy/v1/namespaces/default/poddisruptionbudgets/{name}"))!["status"]!;

    private static async Task<HttpStatusCode> PodStatusCodeAsync(TestServer server, string name) =>
        (await server.Client.GetAsync($"/api/v1/namespaces/default/pods/{name}")).StatusCode;

    [Fact]
    public async Task Evict_SpendsTheBudget_ThenRefusesWith429AndTheCause()
    {
        await using var server = await TestServer.StartAsync();
        await PodAsync(server, "a");
        await PodAsync(server, "b");
        await BudgetAsync(server, "pdb", allowed: 1, healthy: 2, desired: 1);

        var first = await EvictAsync(server, "a");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Contains("\"status\":\"Success\"", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, await PodStatusCodeAsync(server, "a"));
        var status = await PdbStatusAsync(server, "pdb");
        Assert.Equal(0, (int)status["disruptionsAllowed"]!);
        Assert.NotNull(status["disruptedPods"]!["a"]);
        Assert.Equal("InsufficientPods", (string?)status["conditions"]![0]!["reason"]);

        var second = await EvictAsync(server, "b");
        Assert.Equal((HttpStatusCode)429, second.StatusCode);
        var body = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;
        Assert.Equal("TooManyRequests", (string?)body["reason"]);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", (string?)body["message"]);
        Assert.Equal("DisruptionBudget", (string?)body["details"]!["causes"]![0]!["reason"]);
        Assert.Equal("The disruption budget pdb needs 1 healthy pods and has 2 currently", (string?)body["details"]!["causes"]![0]!["message"]);
        Assert.Equal(HttpStatusCode.OK, await PodStatusCodeAsync(server, "b"));
    }

    [Fact]
    public async Task Evict_PendingOrUnbudgetedPods_GoDirectly_TwoBudgetsIs500()
    {
        await using var server = await TestServer.StartAsync();
        await PodAsync(server, "pending", phase: "Pending", ready: false);
        await PodAsync(server, "running");
        await BudgetAsync(server, "one", allowed: 0);

        Assert.Equal(HttpStatusCode.Created, (await EvictAsync(server, "pending")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await PodStatusCodeAsync(server, "pending"));

        await BudgetAsync(server, "two", allowed: 5);
        var both = await EvictAsync(server, "running");
        Assert.Equal(HttpStatusCode.InternalServerError, both.StatusCode);
        Assert.Contains("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", await both.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await EvictAsync(server, "ghost")).StatusCode);

        // The older policy/v1beta1 Eviction body is served the same way.
        await PodAsync(server, "old", phase: "Succeeded", ready: false);
        var beta = await server.Client.PostAsync("/api/v1/namespaces/default/pods/old/eviction",
            TestServer.Json("{\"apiVersion\":\"policy/v1beta1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"old\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}"));
        Assert.Equal(HttpStatusCode.Created, beta.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await PodStatusCodeAsync(server, "old"));
        Assert.Equal(HttpStatusCode.BadRequest, (await EvictAsync(server, "running", evictionName: "other")).StatusCode);
    }

    [Fact]
    public async Task Evict_DryRun_ChangesNothing_UnhealthyPodGoesWhileBudgetIsMet()
    {
        await using var server = await TestServer.StartAsync();
        await PodAsync(server, "a");
        await PodAsync(server, "sick", ready: false);
        await BudgetAsync(server, "pdb", allowed: 1, healthy: 2, desired: 1);

        Assert.Equal(HttpStatusCode.Created, (await EvictAsync(server, "a", "?dryRun=All")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await PodStatusCodeAsync(server, "a"));
        Assert.Equal(1, (int)(await PdbStatusAsync(server, "pdb"))["disruptionsAllowed"]!);

        // IfHealthyBudget (the default): an unready pod may go while the budget is met, without spending it.
        Assert.Equal(HttpStatusCode.Created, (await EvictAsync(server, "sick")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await PodStatusCodeAsync(server, "sick"));
        Assert.Equal(1, (int)(await PdbStatusAsync(server, "pdb"))["disruptionsAllowed"]!);
    }

    [Fact]
    public void Decrement_UnobservedGeneration_Is429_StillBeingProcessed()
    {
        var pdb = new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "pdb", Generation = 2 },
            Status = new V1PodDisruptionBudgetStatus { ObservedGeneration = 1, DisruptionsAllowed = 3 },
        };
        var e = Assert.Throws<ApiException>(() => PodEviction.Decrement(pdb, "p", Now));
        Assert.Equal(429, e.Code);
        Assert.Equal("The disruption budget pdb is still being processed by the server.", e.Details!.Causes![0].Message);

        pdb.Status.ObservedGeneration = 2;
        PodEviction.Decrement(pdb, "p", Now);
        Assert.Equal(2, pdb.Status.DisruptionsAllowed);
        Assert.Equal(Now, pdb.Status.DisruptedPods["p"]);
    }

    [Fact]
    public void CanIgnoreBudget_PendingFinishedOrDeletingPods()
    {
        Assert.True(PodEviction.CanIgnoreBudget(new V1Pod { Metadata = new V1ObjectMeta(), Status = new V1PodStatus { Phase = "Succeeded" } }));
        Assert.True(PodEviction.CanIgnoreBudget(new V1Pod { Metadata = new V1ObjectMeta { DeletionTimestamp = Now }, Status = new V1PodStatus { Phase = "Running" } }));
        Assert.False(PodEviction.CanIgnoreBudget(new V1Pod { Metadata = new V1ObjectMeta(), Status = new V1PodStatus { Phase = "Running" } }));
        Assert.False(PodEviction.SelectorMatches(new V1LabelSelector(), new Dictionary<string, string> { ["app"] = "web" }));
    }
}
