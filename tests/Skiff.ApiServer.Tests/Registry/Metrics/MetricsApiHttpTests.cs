using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Registry.Metrics;

/// <summary>
/// metrics.k8s.io through the real HTTP pipeline: the API server scrapes a stand-in kubelet (HTTPS with a serving
/// certificate of the cluster CA) whose counters advance 5 CPU-seconds per 10 s for the pod and 10 per 10 s for the
/// node, so the served usage is exactly 500m and 1 core.
/// </summary>
public sealed class MetricsApiHttpTests : IAsyncLifetime
{
    private WebApplication _kubelet = null!;
    private TestServer _server = null!;
    private int _scrapes;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(o => o.MetricResolution = TimeSpan.FromMilliseconds(50));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(_server.Certificates.Serving)));
        _kubelet = builder.Build();
        _kubelet.MapGet("/metrics/resource", () => Results.Text(ResourceMetrics(Interlocked.Increment(ref _scrapes)), "text/plain; version=0.0.4"));
        await _kubelet.StartAsync();
        var port = new Uri(_kubelet.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        await CreatedAsync("/api/v1/nodes", """{"metadata":{"name":"n1","labels":{"zone":"a"}}}""");
        var status = """{"status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":PORT}}}}""".Replace("PORT", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/nodes/n1/status") { Content = new StringContent(status, System.Text.Encoding.UTF8, "application/merge-patch+json") };
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(patch)).StatusCode);
        await CreatedAsync("/api/v1/namespaces/default/pods", """{"metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx"},{"name":"side","image":"nginx"}]}}""");
        await CreatedAsync("/api/v1/namespaces/default/pods", """{"metadata":{"name":"db","labels":{"app":"db"}},"spec":{"containers":[{"name":"main","image":"postgres"}]}}""");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _kubelet.DisposeAsync();
    }

    [Fact]
    public async Task PodAndNodeMetrics_AreRatesBetweenScrapes_WithSelectorsTablesAndStatusErrors()
    {
        var web = await EventuallyAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web");
        Assert.Equal("PodMetrics", (string?)web["kind"]);
        Assert.Equal("metrics.k8s.io/v1beta1", (string?)web["apiVersion"]);
        Assert.Equal("web", (string?)web["metadata"]!["labels"]!["app"]);
        Assert.Equal("10s", (string?)web["window"]);
        Assert.Equal("app", (string?)web["containers"]![0]!["name"]);
        Assert.Equal("500m", (string?)web["containers"]![0]!["usage"]!["cpu"]);
        Assert.Equal("10Mi", (string?)web["containers"]![0]!["usage"]!["memory"]);
        Assert.Equal("side", (string?)web["containers"]![1]!["name"]);
        Assert.Equal("0", (string?)web["containers"]![1]!["usage"]!["cpu"]);
        Assert.Equal("1536", (string?)web["containers"]![1]!["usage"]!["memory"]);

        var node = await EventuallyAsync("/apis/metrics.k8s.io/v1beta1/nodes/n1");
        Assert.Equal("NodeMetrics", (string?)node["kind"]);
        Assert.Equal("1", (string?)node["usage"]!["cpu"]);
        Assert.Equal("1Gi", (string?)node["usage"]!["memory"]);
        Assert.Equal("a", (string?)node["metadata"]!["labels"]!["zone"]);

        var selected = JsonNode.Parse(await _server.Client.GetStringAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb"))!;
        Assert.Equal("PodMetricsList", (string?)selected["kind"]);
        Assert.Equal(["web"], selected["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        var all = JsonNode.Parse(await _server.Client.GetStringAsync("/apis/metrics.k8s.io/v1beta1/pods"))!;
        Assert.Equal(["db", "web"], all["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
        Assert.Empty(JsonNode.Parse(await _server.Client.GetStringAsync("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db"))!["items"]!.AsArray());

        using var tableRequest = new HttpRequestMessage(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods");
        tableRequest.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        var table = JsonNode.Parse(await (await _server.Client.SendAsync(tableRequest)).Content.ReadAsStringAsync())!;
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal(["Name", "CPU", "Memory", "Window"], table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
        Assert.Equal(["web", "500m", "10487296", "10s"], table["rows"]!.AsArray().Single(r => (string?)r!["cells"]![0] == "web")!["cells"]!.AsArray().Select(c => (string?)c));

        var missing = await _server.Client.GetAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var status = JsonNode.Parse(await missing.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("podmetrics.metrics.k8s.io \"default/nope\" not found", (string?)status["message"]);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _server.Client.GetAsync("/apis/metrics.k8s.io/v1beta1/pods?watch=true")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _server.Client.DeleteAsync("/apis/metrics.k8s.io/v1beta1/nodes/n1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.GetAsync("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3D%3D%3D")).StatusCode);

        var discovery = JsonNode.Parse(await _server.Client.GetStringAsync("/apis/metrics.k8s.io/v1beta1"))!;
        Assert.Equal(["nodes", "pods"], discovery["resources"]!.AsArray().Select(r => (string?)r!["name"]).Order());
        Assert.Contains("metrics.k8s.io", await _server.Client.GetStringAsync("/apis"));
    }

    [Fact]
    public async Task RbacViewRole_ReadsMetrics_OthersAreForbidden()
    {
        await CreatedAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            """{"metadata":{"name":"viewer"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"viewer","apiGroup":"rbac.authorization.k8s.io"}]}""");
        using var viewer = _server.CreateClient(_server.Certificates.Client("viewer"));
        using var stranger = _server.CreateClient(_server.Certificates.Client("stranger"));

        var allowed = HttpStatusCode.Forbidden;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); allowed != HttpStatusCode.OK && DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            allowed = (await viewer.GetAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, allowed);
        var denied = await stranger.GetAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("pods.metrics.k8s.io is forbidden: User \\\"stranger\\\" cannot list resource \\\"pods\\\" in API group \\\"metrics.k8s.io\\\" in the namespace \\\"default\\\"", await denied.Content.ReadAsStringAsync());
        var reader = JsonNode.Parse(await _server.Client.GetStringAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader"))!;
        Assert.Equal("true", (string?)reader["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-view"]);
    }

    /// <summary>Scrape n: the node's counter is at 10n CPU-seconds and the pod's app container at 5n, ten seconds apart.</summary>
    private static string ResourceMetrics(int n)
    {
        var ms = (1_764_100_000_000L + (n * 10_000L)).ToString(CultureInfo.InvariantCulture);
        return $$"""
            # TYPE container_cpu_usage_seconds_total counter
            container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} {{5 * n}} {{ms}}
            container_cpu_usage_seconds_total{container="side",namespace="default",pod="web"} 3 {{ms}}
            container_cpu_usage_seconds_total{container="main",namespace="default",pod="db"} {{n}} {{ms}}
            container_cpu_usage_seconds_total{container="main",namespace="other",pod="gone"} {{n}} {{ms}}
            # TYPE container_memory_working_set_bytes gauge
            container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 10485760 {{ms}}
            container_memory_working_set_bytes{container="side",namespace="default",pod="web"} 1536 {{ms}}
            container_memory_working_set_bytes{container="main",namespace="default",pod="db"} 4096 {{ms}}
            container_memory_working_set_bytes{container="main",namespace="other",pod="gone"} 4096 {{ms}}
            node_cpu_usage_seconds_total {{10 * n}} {{ms}}
            node_memory_working_set_bytes 1073741824 {{ms}}
            resource_scrape_error 0

            """;
    }

    private async Task CreatedAsync(string path, string json) =>
        Assert.Equal(HttpStatusCode.Created, (await _server.Client.PostAsync(path, TestServer.Json(json))).StatusCode);

    /// <summary>Polls until the object exists (the second scrape makes the first window); the scrape period is 50 ms.</summary>
    private async Task<JsonNode> EventuallyAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await _server.Client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path}: still {(int)response.StatusCode} after 30 s; {_scrapes} scrapes");
            await Task.Delay(50);
        }
    }
}
