using k8s.Models;
using Skiff.Proxy.Conntrack;
using Skiff.Proxy.Rules;
using static Skiff.Proxy.Tests.Objects;

namespace Skiff.Proxy.Tests.Conntrack;

public sealed class ConntrackCleanupTests
{
    private static V1Service Dns(int nodePort = 0)
    {
        var svc = Service("dns", "10.43.0.53", nodePort == 0 ? "ClusterIP" : "NodePort", new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP", NodePort = nodePort == 0 ? null : nodePort });
        svc.Spec.ExternalIPs = ["192.168.7.53"];
        return svc;
    }

    private static ProxyRuleSet Build(V1Service svc, params V1Endpoint[] endpoints) =>
        RuleModelBuilder.Build([svc], [SliceWithPort(svc.Metadata.Name, "dns", 5353, "UDP", endpoints)], Node, ["192.168.1.2"], "10.42.0.0/16");

    [Fact]
    public void Plan_FirstSync_DeletesNothing() =>
        Assert.Empty(ConntrackCleanup.Plan(null, Build(Dns(), Endpoint("10.42.0.5"))));

    [Fact]
    public void Plan_UdpEndpointRemoved_DeletesItsFlowsToEveryServiceAddressAndTheNodePort()
    {
        var plan = ConntrackCleanup.Plan(Build(Dns(30053), Endpoint("10.42.0.5"), Endpoint("10.42.0.6")), Build(Dns(30053), Endpoint("10.42.0.6")));
        Assert.Equal(
        [
            "-D -p udp --orig-dst 10.43.0.53 --dst-nat 10.42.0.5",
            "-D -p udp --orig-dst 192.168.7.53 --dst-nat 10.42.0.5",
            "-D -p udp --orig-port-dst 30053 --dst-nat 10.42.0.5",
        ], plan.Select(a => string.Join(' ', a)));
    }

    [Fact]
    public void Plan_UdpServiceGetsItsFirstEndpoint_DeletesTheRejectedFlows()
    {
        var plan = ConntrackCleanup.Plan(Build(Dns(30053), Endpoint("10.42.0.5", ready: false)), Build(Dns(30053), Endpoint("10.42.0.5")));
        Assert.Equal(
        [
            "-D -p udp --orig-dst 10.43.0.53",
            "-D -p udp --orig-dst 192.168.7.53",
            "-D -p udp --orig-port-dst 30053",
        ], plan.Select(a => string.Join(' ', a)));
    }

    [Fact]
    public void Plan_TcpEndpointRemoved_OrNothingChanged_DeletesNothing()
    {
        Assert.Empty(ConntrackCleanup.Plan(
            RuleModelBuilder.Build([Service("web", "10.43.0.10")], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.0.6"))], Node, [], null),
            RuleModelBuilder.Build([Service("web", "10.43.0.10")], [Slice("web", Endpoint("10.42.0.6"))], Node, [], null)));
        Assert.Empty(ConntrackCleanup.Plan(Build(Dns(), Endpoint("10.42.0.5")), Build(Dns(), Endpoint("10.42.0.5"))));
    }

    [Fact]
    public void Plan_UdpServiceDeleted_DeletesFlowsToItsEndpoints()
    {
        var after = RuleModelBuilder.Build([], [], Node, [], null);
        var plan = ConntrackCleanup.Plan(Build(Dns(), Endpoint("10.42.0.5")), after);
        Assert.Equal(["-D -p udp --orig-dst 10.43.0.53 --dst-nat 10.42.0.5", "-D -p udp --orig-dst 192.168.7.53 --dst-nat 10.42.0.5"], plan.Select(a => string.Join(' ', a)));
    }
}

/// <summary>The plan run by the real conntrack tool inside a namespace the test creates.</summary>
public sealed class ConntrackRunnerNetnsTests
{
    [Fact]
    public async Task Delete_PlannedForARemovedUdpEndpoint_RemovesItsFlowFromTheKernelTable()
    {
        if (!File.Exists("/usr/sbin/conntrack"))
        {
            Assert.Fail("conntrack is not installed (scripts/setup-debian.sh installs it)");
        }

        using var ns = new NetNs();
        ns.Exec("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb");
        ns.Exec("ip", "addr", "add", "10.42.0.1/24", "dev", "va");
        ns.Exec("ip", "link", "set", "va", "up");
        ns.Exec("ip", "link", "set", "vb", "up");
        ns.Exec("ip", "route", "add", "10.43.0.0/16", "dev", "va");

        var svc = Service("dns", "10.43.0.7", "ClusterIP", new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" });
        var before = RuleModelBuilder.Build([svc], [SliceWithPort("dns", "dns", 5353, "UDP", Endpoint("10.42.0.2"))], Node, [], "10.42.0.0/16");
        var after = RuleModelBuilder.Build([svc], [SliceWithPort("dns", "dns", 5353, "UDP", Endpoint("10.42.0.3"))], Node, [], "10.42.0.0/16");
        await new Skiff.Proxy.Nft.NftApplier(networkNamespace: ns.Name).ApplyAsync(Skiff.Proxy.Nft.NftRenderer.Render(before), CancellationToken.None);

        ns.Exec("/usr/bin/python3", "-c", "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('10.42.0.1', 40000)); s.sendto(b'q', ('10.43.0.7', 53))");
        Assert.Contains("10.42.0.2", ns.Exec("conntrack", "-L", "-p", "udp", "--orig-dst", "10.43.0.7"));

        var runner = new ConntrackRunner(networkNamespace: ns.Name);
        foreach (var args in ConntrackCleanup.Plan(before, after))
        {
            await runner.DeleteAsync(args, CancellationToken.None);
        }

        Assert.DoesNotContain("10.42.0.2", ns.Exec("conntrack", "-L", "-p", "udp", "--orig-dst", "10.43.0.7"));

        // Nothing left to delete is not an error.
        await runner.DeleteAsync(["-D", "-p", "udp", "--orig-dst", "10.43.0.7", "--dst-nat", "10.42.0.2"], CancellationToken.None);
    }
}
