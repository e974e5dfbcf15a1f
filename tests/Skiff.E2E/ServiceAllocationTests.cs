using System.Text.RegularExpressions;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>Service cluster IPs and node ports as a user sees them with kubectl.</summary>
public sealed class ServiceAllocationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task KubernetesService_IsListedWithFirstClusterIp()
    {
        var k = fixture.Kubectl();
        var table = await k.OkAsync("get", "svc", "kubernetes");
        Assert.Matches(new Regex(@"^kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443/TCP\s+\S+$", RegexOptions.Multiline), table);
    }

    [Fact]
    public async Task CreateNodePortService_ShowsClusterIpAndNodePort_AndClashIsRefused()
    {
        var k = fixture.Kubectl();
        await k.OkAsync("create", "namespace", "svc-alloc");
        await k.OkAsync("-n", "svc-alloc", "create", "service", "nodeport", "web", "--tcp=80:8080", "--node-port=30555");
        var table = await k.OkAsync("-n", "svc-alloc", "get", "svc", "web");
        Assert.Matches(new Regex(@"^web\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:30555/TCP\s+\S+$", RegexOptions.Multiline), table);

        var clash = await k.RunAsync("-n", "svc-alloc", "create", "service", "nodeport", "web2", "--tcp=80:8080", "--node-port=30555");
        Assert.NotEqual(0, clash.ExitCode);
        Assert.Contains("provided port is already allocated", clash.Stderr);

        await k.OkAsync("-n", "svc-alloc", "create", "service", "clusterip", "plain", "--tcp=80:8080");
        var ip = (await k.OkAsync("-n", "svc-alloc", "get", "svc", "plain", "-o", "jsonpath={.spec.clusterIP}")).Trim();
        Assert.Matches(@"^10\.43\.\d+\.\d+$", ip);

        // Deleting a Service frees its node port for the next one.
        await k.OkAsync("-n", "svc-alloc", "delete", "svc", "web");
        await k.OkAsync("-n", "svc-alloc", "create", "service", "nodeport", "web3", "--tcp=80:8080", "--node-port=30555");
    }
}
