using System.Net;

namespace Skiff.Dns;

/// <summary>Settings of the cluster DNS server.</summary>
public sealed class DnsOptions
{
    /// <summary>Address to listen on. A node listens on the cluster DNS Service address (10.43.0.10), which the node
    /// agent makes local by routing the service CIDR to the pod bridge; tests use 127.0.0.1.</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Parse("10.43.0.10");

    /// <summary>UDP and TCP port; 0 picks a free port (see <see cref="ClusterDnsServer.Port"/>).</summary>
    public int Port { get; set; } = 53;

    /// <summary>The cluster domain.</summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>TTL of cluster answers, in seconds (CoreDNS's kubernetes plugin default).</summary>
    public int Ttl { get; set; } = 5;

    /// <summary>Upstream resolvers for other names; empty reads the nameservers of <see cref="ResolvConfPath"/>.</summary>
    public IList<IPEndPoint> Upstreams { get; } = [];

    public string ResolvConfPath { get; set; } = "/etc/resolv.conf";

    /// <summary>Most upstream answers kept in the cache.</summary>
    public int CacheSize { get; set; } = 10_000;
}
