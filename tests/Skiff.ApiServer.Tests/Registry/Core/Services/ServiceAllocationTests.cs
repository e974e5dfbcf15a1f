using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Registry.Core.Services;

/// <summary>Cluster IP and node port allocation through the real HTTP pipeline, as kube-apiserver's Service storage does it.</summary>
public sealed class ServiceAllocationTests : IAsyncLifetime
{
    private const string Path = "/api/v1/namespaces/default/services";
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task KubernetesService_HasFirstIpAndHttpsPort()
    {
        var svc = await GetAsync("kubernetes");
        Assert.Equal("10.43.0.1", (string?)svc["spec"]!["clusterIP"]);
        Assert.Equal(443, (int)svc["spec"]!["ports"]![0]!["port"]!);
        Assert.Equal("https", (string?)svc["spec"]!["ports"]![0]!["name"]);
        Assert.Equal(_server.Address.Port, (int)svc["spec"]!["ports"]![0]!["targetPort"]!);
    }

    [Fact]
    public async Task ClusterIp_IsAllocatedFromTheRange_AndDistinct()
    {
        var a = await CreateAsync("""{"metadata":{"name":"a"},"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}""");
        var b = await CreateAsync("""{"metadata":{"name":"b"},"spec":{"selector":{"app":"b"},"ports":[{"port":80}]}}""");
        var ipA = (string)a["spec"]!["clusterIP"]!;
        var ipB = (string)b["spec"]!["clusterIP"]!;
        Assert.StartsWith("10.43.", ipA);
        Assert.NotEqual(ipA, ipB);
        Assert.NotEqual("10.43.0.1", ipA);
        Assert.Equal(ipA, (string)a["spec"]!["clusterIPs"]![0]!);
    }

    [Fact]
    public async Task RequestedIp_InUse_Or_OutOfRange_Is422_WithKubernetesText()
    {
        await CreateAsync("""{"metadata":{"name":"dns"},"spec":{"clusterIP":"10.43.0.10","ports":[{"port":53,"protocol":"UDP"}]}}""");
        var taken = await _server.Client.PostAsync(Path, TestServer.Json("""{"metadata":{"name":"dns2"},"spec":{"clusterIP":"10.43.0.10","ports":[{"port":53}]}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, taken.StatusCode);
        Assert.Contains("spec.clusterIPs: Invalid value: []string{\\\"10.43.0.10\\\"}: failed to allocate IP 10.43.0.10: provided IP is already allocated", await taken.Content.ReadAsStringAsync());

        var outside = await _server.Client.PostAsync(Path, TestServer.Json("""{"metadata":{"name":"far"},"spec":{"clusterIP":"10.99.0.10","ports":[{"port":53}]}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outside.StatusCode);
        Assert.Contains("the provided IP (10.99.0.10) is not in the valid range. The range of valid IPs is 10.43.0.0/16", await outside.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DeletedService_ReleasesItsIp_AndDryRunTakesNothing()
    {
        var dry = await _server.Client.PostAsync(Path + "?dryRun=All", TestServer.Json("""{"metadata":{"name":"d"},"spec":{"clusterIP":"10.43.0.20","ports":[{"port":80}]}}"""));
        Assert.Equal(HttpStatusCode.Created, dry.StatusCode);
        await CreateAsync("""{"metadata":{"name":"e"},"spec":{"clusterIP":"10.43.0.20","ports":[{"port":80}]}}""");
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.DeleteAsync(Path + "/e")).StatusCode);
        var again = await CreateAsync("""{"metadata":{"name":"f"},"spec":{"clusterIP":"10.43.0.20","ports":[{"port":80}]}}""");
        Assert.Equal("10.43.0.20", (string?)again["spec"]!["clusterIP"]);
    }

    [Fact]
    public async Task NodePorts_AllocatedInRange_DuplicatesRejected_ReleasedOnTypeChange()
    {
        var np = await CreateAsync("""{"metadata":{"name":"np"},"spec":{"type":"NodePort","selector":{"app":"x"},"ports":[{"name":"http","port":80},{"name":"fixed","port":81,"nodePort":30081}]}}""");
        var port = (int)np["spec"]!["ports"]![0]!["nodePort"]!;
        Assert.InRange(port, 30000, 32767);
        Assert.Equal(30081, (int)np["spec"]!["ports"]![1]!["nodePort"]!);

        var dup = await _server.Client.PostAsync(Path, TestServer.Json("""{"metadata":{"name":"dup"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30081}]}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, dup.StatusCode);
        Assert.Contains("spec.ports[0].nodePort: Invalid value: 30081: provided port is already allocated", await dup.Content.ReadAsStringAsync());

        var low = await _server.Client.PostAsync(Path, TestServer.Json("""{"metadata":{"name":"low"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":8080}]}}"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, low.StatusCode);
        Assert.Contains("The range of valid ports is 30000-32767", await low.Content.ReadAsStringAsync());

        // Switching back to ClusterIP drops the node ports (as kube-apiserver does) and frees them for others.
        var patch = new StringContent("""{"spec":{"type":"ClusterIP"}}""", System.Text.Encoding.UTF8, "application/strategic-merge-patch+json");
        var patched = await _server.Client.PatchAsync(Path + "/np", patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var body = JsonNode.Parse(await patched.Content.ReadAsStringAsync())!;
        Assert.Null(body["spec"]!["ports"]![1]!["nodePort"]);
        await CreateAsync("""{"metadata":{"name":"taker"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30081}]}}""");

        // And ClusterIP → NodePort allocates.
        var up = new StringContent("""{"spec":{"type":"NodePort"}}""", System.Text.Encoding.UTF8, "application/strategic-merge-patch+json");
        var upBody = JsonNode.Parse(await (await _server.Client.PatchAsync(Path + "/np", up)).Content.ReadAsStringAsync())!;
        Assert.InRange((int)upBody["spec"]!["ports"]![0]!["nodePort"]!, 30000, 32767);
    }

    [Fact]
    public async Task Headless_And_ExternalName_GetNoClusterIp()
    {
        var headless = await CreateAsync("""{"metadata":{"name":"h"},"spec":{"clusterIP":"None","selector":{"app":"h"},"ports":[{"port":80}]}}""");
        Assert.Equal("None", (string?)headless["spec"]!["clusterIP"]);
        var ext = await CreateAsync("""{"metadata":{"name":"x"},"spec":{"type":"ExternalName","externalName":"example.com"}}""");
        Assert.Null(ext["spec"]!["clusterIP"]);
    }

    [Fact]
    public async Task LoadBalancer_Local_GetsHealthCheckNodePort()
    {
        var lb = await CreateAsync("""{"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local","selector":{"app":"lb"},"ports":[{"port":80}]}}""");
        Assert.InRange((int)lb["spec"]!["healthCheckNodePort"]!, 30000, 32767);
        Assert.NotEqual((int)lb["spec"]!["healthCheckNodePort"]!, (int)lb["spec"]!["ports"]![0]!["nodePort"]!);
    }

    private async Task<JsonNode> CreateAsync(string json)
    {
        var res = await _server.Client.PostAsync(Path, TestServer.Json(json));
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!;
    }

    private async Task<JsonNode> GetAsync(string name)
    {
        var res = await _server.Client.GetAsync(Path + "/" + name);
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }
}
