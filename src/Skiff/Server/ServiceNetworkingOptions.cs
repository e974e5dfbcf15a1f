using System.Net;

namespace Skiff.Server;

/// <summary>
/// How the node agent's Service proxy and cluster DNS run (issue 9). Both run only when the agent does: a
/// <c>--disable-agent</c> server touches no nftables and binds no DNS port.
/// </summary>
internal sealed class ServiceNetworkingOptions
{
    /// <summary>The cluster DNS Service address (DESIGN.md §3 defaults).</summary>
    public static readonly IPEndPoint DefaultClusterDnsListen = new(IPAddress.Parse("10.43.0.10"), 53);

    /// <summary>Do not run the Service proxy (<c>--disable-kube-proxy</c>, as k3s names it).</summary>
    public bool DisableKubeProxy { get; init; }

    /// <summary>
    /// Do not run the built-in load balancer (<c>--disable-servicelb</c>): LoadBalancer Services stay pending until
    /// another implementation (MetalLB, a cloud controller) serves them.
    /// </summary>
    public bool DisableServiceLb { get; init; }

    /// <summary>Do not run the cluster DNS server (<c>--disable-cluster-dns</c>).</summary>
    public bool DisableClusterDns { get; init; }

    /// <summary>
    /// Where the DNS server listens (<c>--cluster-dns-listen</c>). The default, the cluster DNS Service address, is
    /// local once the node agent routes the service CIDR to the pod bridge; until then pass e.g. 127.0.0.1:1053.
    /// </summary>
    public IPEndPoint ClusterDnsListen { get; init; } = DefaultClusterDnsListen;

    /// <summary>The cluster domain (<c>--cluster-domain</c>).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>
    /// The node's resolver configuration (<c>--resolv-conf</c>, kubelet's flag): cluster DNS forwards other names to its
    /// nameservers, and pods with dnsPolicy Default get its contents. Empty: no upstream, and an empty host config.
    /// </summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";
}
