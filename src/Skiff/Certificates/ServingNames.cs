using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.Certificates;

/// <summary>The DNS names and IP addresses the API server's serving certificate must cover.</summary>
internal sealed class ServingNames
{
    /// <summary>
    /// The in-cluster names of the <c>kubernetes</c> Service, which pods use to reach the API server
    /// (the same list kube-apiserver puts in its self-signed serving certificate).
    /// </summary>
    private static readonly string[] ClusterDnsNames =
    [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ];

    /// <summary>The first address of the service CIDR 10.43.0.0/16: the ClusterIP of the <c>kubernetes</c> Service.</summary>
    public static readonly IPAddress KubernetesServiceIp = IPAddress.Parse("10.43.0.1");

    private ServingNames(IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> ipAddresses)
    {
        DnsNames = dnsNames;
        IpAddresses = ipAddresses;
    }

    /// <summary>DNS subject alternative names, lower case, without duplicates.</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>IP subject alternative names, without duplicates.</summary>
    public IReadOnlyList<IPAddress> IpAddresses { get; }

    /// <summary>
    /// The names for a server bound to <paramref name="bindAddress"/> on a machine called <paramref name="hostName"/>.
    /// When the bind address is a wildcard (0.0.0.0 or ::) clients may come in on any of the machine's
    /// addresses, so <paramref name="hostAddresses"/> are added too. <paramref name="advertiseAddress"/>, the address
    /// published in the <c>kubernetes</c> Service's endpoints, is always named: pods reach the server there through the
    /// Service VIP and check the certificate against the VIP's names and the endpoint.
    /// </summary>
    public static ServingNames For(IPAddress bindAddress, string hostName, IEnumerable<IPAddress> hostAddresses, IPAddress? advertiseAddress = null)
    {
        var dns = new List<string> { "localhost" };
        // A host name that is not a valid DNS name (some container runtimes set odd ones) cannot go into a
        // certificate; clients then use an address or localhost.
        var host = hostName.Trim().ToLowerInvariant();
        if (host.Length > 0 && Uri.CheckHostName(host) == UriHostNameType.Dns)
        {
            dns.Add(host);
        }

        dns.AddRange(ClusterDnsNames);

        var ips = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback, KubernetesServiceIp };
        if (IsWildcard(bindAddress))
        {
            ips.AddRange(hostAddresses);
        }
        else
        {
            ips.Add(bindAddress);
        }

        if (advertiseAddress is not null)
        {
            ips.Add(advertiseAddress);
        }

        return new ServingNames(
            dns.Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            ips.Select(Normalize).Distinct().ToArray());
    }

    /// <summary>Whether <paramref name="address"/> means "every address" (0.0.0.0 or ::).</summary>
    public static bool IsWildcard(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>Whether <paramref name="certificate"/> names every DNS name and IP address of this set.</summary>
    public bool AreCoveredBy(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return false;
        }

        var dns = extension.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ips = extension.EnumerateIPAddresses().Select(Normalize).ToHashSet();
        return DnsNames.All(dns.Contains) && IpAddresses.All(ips.Contains);
    }

    private static IPAddress Normalize(IPAddress address)
    {
        // An IPv4-mapped IPv6 address and its IPv4 form are the same peer; store the short form, and
        // drop the scope id, which has no meaning in a certificate.
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }
}
