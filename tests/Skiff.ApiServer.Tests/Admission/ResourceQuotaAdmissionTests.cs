using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>The ResourceQuota admission plugin through the real HTTP pipeline (no quota controller: the test publishes status.hard).</summary>
public sealed class ResourceQuotaAdmissionTests
{
    private static string PodJson(string name, string extra = "") =>
        $"{{\"metadata\":{{\"name\":\"{name}\"}},\"spec\":{{\"containers\":[{{\"name\":\"c\",\"image\":\"nginx\"{extra}}}]}}}}";

    /// <summary>Creates a quota and publishes its status as the quota controller would.</summary>
    private static async Task QuotaAsync(TestServer server, string ns, string hard, string used)
    {
        var created = await server.Client.PostAsync($"/api/v1/namespaces/{ns}/resourcequotas", TestServer.Json($"{{\"metadata\":{{\"name\":\"q\"}},\"spec\":{{\"hard\":{{{hard}}}}}}}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var status = await server.Client.PutAsync($"/api/v1/namespaces/{ns}/resourcequotas/q/status",
            TestServer.Json($"{{\"metadata\":{{\"name\":\"q\"}},\"spec\":{{\"hard\":{{{hard}}}}},\"status\":{{\"hard\":{{{hard}}},\"used\":{{{used}}}}}}}"));
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    private static async Task<JsonNode> UsedAsync(TestServer server, string ns) =>
        JsonNode.Parse(await server.Client.GetStringAsync($"/api/v1/namespaces/{ns}/resourcequotas/q"))!["status"]!["used"]!;

    [Fact]
    public async Task RacingCreates_AgainstAQuotaOfOne_ExactlyOneWins()
    {
        await using var server = await TestServer.StartAsync();
        await QuotaAsync(server, "default", "\"pods\":\"1\"", "\"pods\":\"0\"");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(PodJson($"p{i}")))));
        Assert.Single(attempts, r => r.StatusCode == HttpStatusCode.Created);
        var refused = attempts.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(7, refused.Count);
        foreach (var r in refused)
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Contains("exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1", await r.Content.ReadAsStringAsync());
        }

        Assert.Equal("1", (string?)(await UsedAsync(server, "default"))["pods"]);
        var pods = JsonNode.Parse(await server.Client.GetStringAsync("/api/v1/namespaces/default/pods"))!["items"]!.AsArray();
        Assert.Single(pods);
    }

    [Fact]
    public async Task DryRunAndRefusedRequests_ChargeNothing()
    {
        await using var server = await TestServer.StartAsync();
        await QuotaAsync(server, "default", "\"pods\":\"2\",\"requests.cpu\":\"1\",\"requests.memory\":\"1Gi\"", "\"pods\":\"0\",\"requests.cpu\":\"0\",\"requests.memory\":\"0\"");
        const string sized = ""","resources":{"requests":{"cpu":"600m","memory":"256Mi"}}""";

        var dry = await server.Client.PostAsync("/api/v1/namespaces/default/pods?dryRun=All", TestServer.Json(PodJson("dry", sized)));
        Assert.Equal(HttpStatusCode.Created, dry.StatusCode);
        Assert.Equal("0", (string?)(await UsedAsync(server, "default"))["pods"]);

        var missing = await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(PodJson("bare")));
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Contains("pods \\\"bare\\\" is forbidden: failed quota: q: must specify requests.cpu for: c; requests.memory for: c", await missing.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(PodJson("one", sized)))).StatusCode);
        var two = await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(PodJson("two", sized)));
        Assert.Equal(HttpStatusCode.Forbidden, two.StatusCode);
        Assert.Contains("exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1", await two.Content.ReadAsStringAsync());

        var used = await UsedAsync(server, "default");
        Assert.Equal(("1", "600m", "256Mi"), ((string?)used["pods"], (string?)used["requests.cpu"], (string?)used["requests.memory"]));
    }

    [Fact]
    public async Task QuotaWithoutPublishedStatus_LimitsNothingYet_AndOtherNamespacesAreUnaffected()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.Client.PostAsync("/api/v1/namespaces/default/resourcequotas", TestServer.Json("""{"metadata":{"name":"q"},"spec":{"hard":{"pods":"0"}}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(PodJson("early")))).StatusCode);

        await server.Client.PutAsync("/api/v1/namespaces/default/resourcequotas/q/status",
            TestServer.Json("""{"metadata":{"name":"q"},"spec":{"hard":{"pods":"0"}},"status":{"hard":{"pods":"0"},"used":{"pods":"1"}}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(PodJson("late")))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/kube-system/pods", TestServer.Json(PodJson("elsewhere")))).StatusCode);
    }

    [Fact]
    public async Task ServiceUpdate_ChargesOnlyTheGrowth()
    {
        await using var server = await TestServer.StartAsync();
        await QuotaAsync(server, "default", "\"services.nodeports\":\"1\"", "\"services.nodeports\":\"0\"");
        var svc = await server.Client.PostAsync("/api/v1/namespaces/default/services", TestServer.Json("""{"metadata":{"name":"s"},"spec":{"type":"ClusterIP","ports":[{"port":80}]}}"""));
        Assert.Equal(HttpStatusCode.Created, svc.StatusCode);
        var current = JsonNode.Parse(await svc.Content.ReadAsStringAsync())!;
        current["spec"]!["type"] = "NodePort";
        current["spec"]!["ports"]!.AsArray().Add(new JsonObject { ["port"] = 81, ["name"] = "b" });
        current["spec"]!["ports"]![0]!["name"] = "a";
        var update = await server.Client.PutAsync("/api/v1/namespaces/default/services/s", TestServer.Json(current.ToJsonString()));
        Assert.Equal(HttpStatusCode.Forbidden, update.StatusCode);
        Assert.Contains("exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1", await update.Content.ReadAsStringAsync());
    }
}
