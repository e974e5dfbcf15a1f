using System.Net;
using k8s.Models;
using Skiff.Kubelet.Network;
using Skiff.Kubelet.Node;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Pods;

/// <summary>kubelet's dnsPolicy semantics: what each policy writes into the sandbox's resolv.conf.</summary>
public sealed class PodDnsTests
{
    private static readonly NodeAgentOptions Options = new() { NodeName = "n1", DataDir = "/d", NodeAddress = IPAddress.Parse("192.0.2.1") };

    private static readonly HostDnsConfig Host = HostDnsConfig.Parse("""
        # written by the installer
        nameserver 192.0.2.53
        nameserver 192.0.2.54 ; second
        domain old.example
        search corp.example. lab.example
        options timeout:2 rotate
        """);

    private static V1Pod Pod(string? policy = null, bool hostNetwork = false, V1PodDNSConfig? config = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "shop" },
        Spec = new V1PodSpec { DnsPolicy = policy, HostNetwork = hostNetwork, DnsConfig = config, Containers = [new V1Container { Name = "c" }] },
    };

    [Fact]
    public void Parse_ReadsNameserversLastSearchLineAndOptions()
    {
        Assert.Equal(["192.0.2.53", "192.0.2.54"], Host.Servers);
        Assert.Equal(["corp.example", "lab.example"], Host.Searches);
        Assert.Equal(["timeout:2", "rotate"], Host.Options);
    }

    [Fact]
    public void Read_MissingOrEmptyPath_IsEmpty()
    {
        Assert.Same(HostDnsConfig.Empty, HostDnsConfig.Read(""));
        Assert.Same(HostDnsConfig.Empty, HostDnsConfig.Read("/nonexistent/resolv.conf"));
    }

    [Fact]
    public void Dns_ClusterFirst_UsesClusterDnsNamespaceSearchPathThenHostSearchesAndNdots5()
    {
        var dns = RuntimeConfigBuilder.Dns(Pod(), Options, Host);
        Assert.Equal(["10.43.0.10"], dns.Servers);
        Assert.Equal(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"], dns.Searches);
        Assert.Equal(["ndots:5"], dns.Options);
    }

    [Theory]
    [InlineData("Default", false)]
    [InlineData("ClusterFirst", true)]
    [InlineData("Default", true)]
    public void Dns_DefaultOrClusterFirstOnHostNetwork_UsesTheNodesResolvConf(string policy, bool hostNetwork)
    {
        var dns = RuntimeConfigBuilder.Dns(Pod(policy, hostNetwork), Options, Host);
        Assert.Equal(["192.0.2.53", "192.0.2.54"], dns.Servers);
        Assert.Equal(["corp.example", "lab.example"], dns.Searches);
        Assert.Equal(["timeout:2", "rotate"], dns.Options);
    }

    [Fact]
    public void Dns_ClusterFirstWithHostNet_OnHostNetwork_UsesClusterDns()
    {
        var dns = RuntimeConfigBuilder.Dns(Pod("ClusterFirstWithHostNet", hostNetwork: true), Options, Host);
        Assert.Equal(["10.43.0.10"], dns.Servers);
        Assert.Equal("shop.svc.cluster.local", dns.Searches[0]);
    }

    [Fact]
    public void Dns_None_UsesOnlyDnsConfig()
    {
        var dns = RuntimeConfigBuilder.Dns(Pod("None", config: new V1PodDNSConfig
        {
            Nameservers = ["192.0.2.99"],
            Searches = ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "edns0" }],
        }), Options, Host);
        Assert.Equal(["192.0.2.99"], dns.Servers);
        Assert.Equal(["ns1.svc.cluster-domain.example", "my.dns.search.suffix"], dns.Searches);
        Assert.Equal(["ndots:2", "edns0"], dns.Options);
    }

    [Fact]
    public void Dns_ClusterFirstWithDnsConfig_AppendsWithoutDuplicates_OverridesOptions_AndKeepsThreeNameservers()
    {
        var dns = RuntimeConfigBuilder.Dns(Pod(config: new V1PodDNSConfig
        {
            Nameservers = ["10.43.0.10", "192.0.2.1", "192.0.2.2", "192.0.2.3"],
            Searches = ["cluster.local", "extra.example"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "1" }],
        }), Options, HostDnsConfig.Empty);
        Assert.Equal(["10.43.0.10", "192.0.2.1", "192.0.2.2"], dns.Servers);
        Assert.Equal(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "extra.example"], dns.Searches);
        Assert.Equal(["ndots:1"], dns.Options);
    }
}
