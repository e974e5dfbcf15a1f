using System.Net;
using System.Text.Json;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission;

public sealed class DefaultTolerationSecondsTests
{
    private static async Task<List<string>> CreatePodAsync(TestServer server, string name, string tolerations)
    {
        var body = $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}"},"spec":{"containers":[{"name":"c","image":"i"}]{{{tolerations}}}}}""";
        var response = await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("spec").TryGetProperty("tolerations", out var list)
            ? list.EnumerateArray().Select(t => $"{Prop(t, "key")}|{Prop(t, "operator")}|{Prop(t, "effect")}|{Prop(t, "tolerationSeconds")}").ToList()
            : [];
    }

    private static string Prop(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "";

    [Fact]
    public async Task PodWithoutTolerations_GetsNotReadyAndUnreachable300s()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(
            ["node.kubernetes.io/not-ready|Exists|NoExecute|300", "node.kubernetes.io/unreachable|Exists|NoExecute|300"],
            await CreatePodAsync(server, "plain", ""));
    }

    [Fact]
    public async Task PodTolerating_NotReady_KeepsItsOwn_GetsOnlyUnreachable()
    {
        await using var server = await TestServer.StartAsync();
        var tolerations = await CreatePodAsync(server, "own", ""","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":5}]""");
        Assert.Equal(["node.kubernetes.io/not-ready|Exists|NoExecute|5", "node.kubernetes.io/unreachable|Exists|NoExecute|300"], tolerations);
    }

    [Fact]
    public async Task PodToleratingEverything_GetsNothing()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(["|Exists||"], await CreatePodAsync(server, "all", ""","tolerations":[{"operator":"Exists"}]"""));
    }

    [Fact]
    public async Task ConfiguredSeconds_AreUsed()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.DefaultNotReadyTolerationSeconds = 7;
            o.DefaultUnreachableTolerationSeconds = 9;
        });
        Assert.Equal(
            ["node.kubernetes.io/not-ready|Exists|NoExecute|7", "node.kubernetes.io/unreachable|Exists|NoExecute|9"],
            await CreatePodAsync(server, "short", ""));
    }
}
