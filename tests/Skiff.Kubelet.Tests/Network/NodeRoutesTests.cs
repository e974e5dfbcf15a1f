using System.Net;
using k8s.Models;
using Skiff.Kubelet.Network;

namespace Skiff.Kubelet.Tests.Network;

public sealed class NodeRoutesTests
{
    private static readonly IPNetwork Cluster = IPNetwork.Parse("10.42.0.0/16");

    private static V1Node Node(string name, string? podCidr, string? internalIp) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = podCidr is null ? null : [podCidr] },
        Status = new V1NodeStatus { Addresses = internalIp is null ? null : [new V1NodeAddress { Type = "InternalIP", Address = internalIp }] },
    };

    [Fact]
    public void Desired_RoutesEveryOtherNodesPodCidrViaItsInternalIp()
    {
        var routes = NodeRoutes.Desired(
            [Node("self", "10.42.0.0/24", "192.168.77.10"), Node("w1", "10.42.1.0/24", "192.168.77.11"), Node("w2", "10.42.2.0/24", "192.168.77.12")],
            "self", Cluster, new HashSet<IPAddress>());
        Assert.Equal(new Dictionary<string, string> { ["10.42.1.0/24"] = "192.168.77.11", ["10.42.2.0/24"] = "192.168.77.12" }, routes);
    }

    [Fact]
    public void Desired_SkipsNodesWithoutCidrOrAddress_LocalGateways_AndRangesOutsideTheCluster()
    {
        var routes = NodeRoutes.Desired(
        [
            Node("no-cidr", null, "192.168.77.11"),
            Node("no-ip", "10.42.3.0/24", null),
            Node("same-host", "10.42.4.0/24", "192.168.77.10"),
            Node("loopback", "10.42.5.0/24", "127.0.0.1"),
            Node("outside", "10.99.0.0/24", "192.168.77.13"),
            Node("too-wide", "10.0.0.0/8", "192.168.77.14"),
        ], "self", Cluster, new HashSet<IPAddress> { IPAddress.Parse("192.168.77.10") });
        Assert.Empty(routes);
    }

    [Fact]
    public void Desired_NodeBeingDeleted_LosesItsRoute()
    {
        var leaving = Node("w1", "10.42.1.0/24", "192.168.77.11");
        leaving.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.Empty(NodeRoutes.Desired([leaving], "self", Cluster, new HashSet<IPAddress>()));
    }

    [Fact]
    public void MasqueradeRules_MasqueradeOnlyTrafficLeavingThePodRange() =>
        Assert.Equal(
            "table ip skiff_pods_x\ndelete table ip skiff_pods_x\ntable ip skiff_pods_x {\n  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n    ip saddr 10.42.1.0/24 ip daddr != 10.42.0.0/16 masquerade\n  }\n}\n",
            PodNetwork.MasqueradeRules("skiff_pods_x", "10.42.1.0/24", "10.42.0.0/16"));
}
