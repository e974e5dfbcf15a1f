using System.Text.Json.Nodes;
using Skiff.Kubelet.Network;

namespace Skiff.Kubelet.Tests.Network;

public class PodNetworkTests
{
    [Fact]
    public void Conflist_is_a_bridge_with_host_local_on_the_node_cidr_hairpin_and_portmap()
    {
        var conflist = JsonNode.Parse(PodNetwork.Conflist("skb12345678", "10.42.3.0/24", "/data/agent/cni/networks"))!;
        Assert.Equal("skiff-pod-network", (string?)conflist["name"]);
        var bridge = conflist["plugins"]![0]!;
        Assert.Equal("bridge", (string?)bridge["type"]);
        Assert.Equal("skb12345678", (string?)bridge["bridge"]);
        Assert.True((bool)bridge["hairpinMode"]!);
        Assert.Null(bridge["promiscMode"]);
        Assert.Equal("10.42.3.0/24", (string?)bridge["ipam"]!["ranges"]![0]![0]!["subnet"]);
        Assert.Equal("/data/agent/cni/networks", (string?)bridge["ipam"]!["dataDir"]);
        Assert.Equal("portmap", (string?)conflist["plugins"]![1]!["type"]);
        Assert.True((bool)conflist["plugins"]![1]!["capabilities"]!["portMappings"]!);
    }
}
