using System.Net;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Http;

public sealed class SmokeTests
{
    [Fact]
    public async Task CreateThenGet_ConfigMap_RoundTrips()
    {
        await using var server = await TestServer.StartAsync();
        var create = await server.Client.PostAsync("/api/v1/namespaces/default/configmaps", TestServer.Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}"""));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var get = await server.Client.GetAsync("/api/v1/namespaces/default/configmaps/a");
        var body = await get.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Contains("\"k\":\"v\"", body);
    }

    [Fact]
    public async Task Create_MalformedProtobufBody_Answers400()
    {
        await using var server = await TestServer.StartAsync();
        var content = new ByteArrayContent("k8s\0"u8.ToArray());
        content.Headers.ContentType = new("application/vnd.kubernetes.protobuf");
        var res = await server.Client.PostAsync("/api/v1/namespaces/default/configmaps", content);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
    }

    [Fact]
    public async Task Manual_KeepServerRunning()
    {
        var marker = Environment.GetEnvironmentVariable("SKIFF_MANUAL_SERVER");
        if (marker is null)
        {
            return;
        }

        await using var server = await TestServer.StartAsync();
        File.WriteAllText(marker, server.WriteKubeconfig());
        while (File.Exists(marker))
        {
            await Task.Delay(500);
        }
    }
}
