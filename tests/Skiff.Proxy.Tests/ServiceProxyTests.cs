using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer.Tests.Support;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Proxy.Tests;

/// <summary>
/// The whole proxy: a real API server, informers, the coalescing loop and nft, applying inside a network
/// namespace the test creates.
/// </summary>
public sealed class ServiceProxyTests
{
    [Fact]
    public async Task Run_ServiceAndSliceCreated_RulesGoLiveAndTableRemovedOnStop()
    {
        await using var api = await TestServer.StartAsync();
        using var ns = new NetNs();
        using var cts = new CancellationTokenSource();
        var informers = new InformerFactory(new ApiConnection(api.Client, api.Address), new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var proxy = new ServiceProxy(informers, new ProxyOptions { NodeName = "node-a", NetworkNamespace = ns.Name }, TimeProvider.System, NullLogger<ServiceProxy>.Instance);
        var run = proxy.RunAsync(cts.Token);

        using var svc = await api.Client.PostAsJsonAsync("/api/v1/namespaces/default/services", new
        {
            apiVersion = "v1",
            kind = "Service",
            metadata = new { name = "web" },
            spec = new { type = "NodePort", ports = new[] { new { name = "http", port = 80, protocol = "TCP", targetPort = 8080 } } },
        });
        var svcText = await svc.Content.ReadAsStringAsync();
        Assert.True(svc.IsSuccessStatusCode, svcText);
        var clusterIP = System.Text.Json.JsonDocument.Parse(svcText).RootElement.GetProperty("spec").GetProperty("clusterIP").GetString();

        // No endpoints yet: the service is rejected.
        var table = await PollTableAsync(ns, t => t.Contains($"{clusterIP} . tcp . 80 : goto reject-chain"));
        Assert.Contains($"{clusterIP} . tcp . 80 : goto reject-chain", table);

        using var slice = await api.Client.PostAsJsonAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", new
        {
            apiVersion = "discovery.k8s.io/v1",
            kind = "EndpointSlice",
            metadata = new { name = "web-manual", labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            addressType = "IPv4",
            endpoints = new[] { new { addresses = new[] { "10.42.0.9" }, nodeName = "node-a", conditions = new { ready = true } } },
            ports = new[] { new { name = "http", port = 8080, protocol = "TCP" } },
        });
        Assert.True(slice.IsSuccessStatusCode, await slice.Content.ReadAsStringAsync());

        table = await PollTableAsync(ns, t => t.Contains("dnat to 10.42.0.9:8080"));
        Assert.Contains("dnat to 10.42.0.9:8080", table);
        Assert.Contains($"{clusterIP} . tcp . 80 : goto service-", table);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("skiff", ns.Exec("nft", "list", "tables"));
    }

    private static async Task<string> PollTableAsync(NetNs ns, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var table = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                table = ns.Exec("nft", "list", "table", "ip", "skiff");
                if (done(table))
                {
                    return table;
                }
            }
            catch (InvalidOperationException)
            {
                // Not applied yet.
            }

            await Task.Delay(100);
        }

        return table;
    }
}
