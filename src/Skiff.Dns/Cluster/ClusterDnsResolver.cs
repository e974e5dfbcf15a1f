using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using k8s.Models;

namespace Skiff.Dns.Cluster;

/// <summary>
/// Answers questions about the cluster zone the way CoreDNS's kubernetes plugin does (with "pods insecure" and
/// reverse zones that fall through): Service A records, headless Service endpoints, endpoint hostnames, pod
/// dashed-IP names, SRV for named ports, CNAME for ExternalName, PTR for service and endpoint IPs. A name that
/// cannot exist gets NXDOMAIN; a name that exists without records of the asked type gets NOERROR with no answer
/// (NODATA); both carry the zone's SOA so resolvers cache the negative answer for the TTL. Pure over
/// <see cref="IClusterDnsData"/>.
/// </summary>
internal sealed class ClusterDnsResolver(IClusterDnsData data, string zone = "cluster.local", int ttl = 5)
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private readonly DomainName _zone = DomainName.Parse(zone);
    private readonly string[] _zoneLabels = zone.ToLowerInvariant().Split('.', StringSplitOptions.RemoveEmptyEntries);

    public string Zone => zone;

    public DnsAnswer Resolve(DomainName name, RecordType type)
    {
        var labels = name.Labels.Select(l => l.ToLowerInvariant()).ToArray();
        if (labels.Length >= 2 && labels[^1] == "arpa" && labels[^2] == "in-addr")
        {
            return ResolveReverse(name, labels, type);
        }

        if (labels.Length < _zoneLabels.Length || !labels[^_zoneLabels.Length..].SequenceEqual(_zoneLabels))
        {
            return DnsAnswer.Forward;
        }

        var rel = labels[..^_zoneLabels.Length];
        if (rel.Length == 0)
        {
            return type == RecordType.Soa ? Answer([Soa()]) : NoData();
        }

        return rel[^1] switch
        {
            "svc" => ResolveService(name, rel, type),
            "pod" => ResolvePod(name, rel, type),
            _ => NxDomain(),
        };
    }

    private DnsAnswer ResolveService(DomainName name, string[] rel, RecordType type)
    {
        switch (rel.Length)
        {
            case 1:
                return NoData();
            case 2:
                return data.NamespaceExists(rel[0]) ? NoData() : NxDomain();
            case 3:
            {
                var service = data.GetService(rel[1], rel[0]);
                return service is null ? NxDomain() : ServiceRecords(name, service, type);
            }

            case 4:
            {
                // endpoint.service.ns.svc: an endpoint of a headless Service by hostname (StatefulSet pods) or dashed IP.
                var service = data.GetService(rel[2], rel[1]);
                if (service is null || !IsHeadless(service))
                {
                    return NxDomain();
                }

                var matches = ReadyEndpoints(service).Where(e => EndpointLabel(e.Endpoint, e.Address) == rel[0]).Select(e => e.Address).Distinct().ToList();
                if (matches.Count == 0)
                {
                    return NxDomain();
                }

                return type is RecordType.A or RecordType.Any ? Answer([.. matches.Select(a => A(name, a))]) : NoData();
            }

            case 5 when rel[0].StartsWith('_') && rel[1].StartsWith('_'):
            {
                var service = data.GetService(rel[3], rel[2]);
                if (service is null || service.Spec?.Type == "ExternalName")
                {
                    return NxDomain();
                }

                var portName = rel[0][1..];
                var protocol = rel[1][1..];
                var port = service.Spec?.Ports?.FirstOrDefault(p => (p.Name ?? "") == portName && (p.Protocol ?? "TCP").Equals(protocol, StringComparison.OrdinalIgnoreCase));
                if (port is null || portName.Length == 0)
                {
                    return NxDomain();
                }

                return type is RecordType.Srv or RecordType.Any ? Srv(name, service, port) : NoData();
            }

            default:
                return NxDomain();
        }
    }

    private DnsAnswer ServiceRecords(DomainName name, V1Service service, RecordType type)
    {
        var spec = service.Spec;
        if (spec?.Type == "ExternalName")
        {
            // CoreDNS answers every type of an ExternalName service with the CNAME; the client follows it.
            return string.IsNullOrEmpty(spec.ExternalName)
                ? NoData()
                : Answer([new CNameRecord(name, ttl, DomainName.Parse(spec.ExternalName))]);
        }

        if (type == RecordType.Srv)
        {
            // SRV on the bare service name: one record per named port (CoreDNS does the same).
            var records = new List<DnsRecordBase>();
            var additional = new List<DnsRecordBase>();
            foreach (var port in spec?.Ports ?? [])
            {
                if (!string.IsNullOrEmpty(port.Name))
                {
                    var srv = Srv(name, service, port);
                    records.AddRange(srv.Answers);
                    additional.AddRange(srv.Additional);
                }
            }

            return records.Count == 0 ? NoData() : new DnsAnswer(ReturnCode.NoError, records, [], additional);
        }

        if (type is not (RecordType.A or RecordType.Any))
        {
            return NoData();
        }

        if (!IsHeadless(service))
        {
            return IsIPv4(spec?.ClusterIP) ? Answer([A(name, spec!.ClusterIP)]) : NoData();
        }

        var addresses = ReadyEndpoints(service).Select(e => e.Address).Distinct().ToList();
        return addresses.Count == 0 ? NoData() : Answer([.. addresses.Select(a => A(name, a))]);
    }

    private DnsAnswer Srv(DomainName name, V1Service service, V1ServicePort port)
    {
        var ns = service.Metadata.NamespaceProperty;
        var serviceName = DomainName.Parse($"{service.Metadata.Name}.{ns}.svc.{zone}");
        if (!IsHeadless(service))
        {
            return new DnsAnswer(ReturnCode.NoError, [new SrvRecord(name, ttl, 0, 100, (ushort)port.Port, serviceName)], [],
                IsIPv4(service.Spec.ClusterIP) ? [A(serviceName, service.Spec.ClusterIP)] : []);
        }

        // Headless: one record per ready endpoint, pointing at the endpoint's own name, with the endpoint's port.
        var answers = new List<DnsRecordBase>();
        var additional = new List<DnsRecordBase>();
        var targets = new List<(DomainName Target, string Address, int Port)>();
        foreach (var (slice, endpoint, address) in ReadyEndpointsWithSlice(service))
        {
            var slicePort = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == (port.Name ?? "") && (p.Protocol ?? "TCP") == (port.Protocol ?? "TCP"));
            if (slicePort?.Port is int endpointPort && targets.All(t => t.Address != address))
            {
                targets.Add((DomainName.Parse($"{EndpointLabel(endpoint, address)}.{service.Metadata.Name}.{ns}.svc.{zone}"), address, endpointPort));
            }
        }

        if (targets.Count == 0)
        {
            return NoData();
        }

        var weight = (ushort)(100 / targets.Count);
        foreach (var (target, address, endpointPort) in targets)
        {
            answers.Add(new SrvRecord(name, ttl, 0, weight, (ushort)endpointPort, target));
            additional.Add(A(target, address));
        }

        return new DnsAnswer(ReturnCode.NoError, answers, [], additional);
    }

    private DnsAnswer ResolvePod(DomainName name, string[] rel, RecordType type)
    {
        switch (rel.Length)
        {
            case 1:
                return NoData();
            case 2:
                return data.NamespaceExists(rel[0]) ? NoData() : NxDomain();
            case 3:
                // "pods insecure": a-b-c-d.ns.pod answers a.b.c.d without checking that such a pod exists.
                var address = rel[0].Replace('-', '.');
                if (!IsIPv4(address) || rel[0].Count(c => c == '-') != 3)
                {
                    return NxDomain();
                }

                return type is RecordType.A or RecordType.Any ? Answer([A(name, address)]) : NoData();
            default:
                return NxDomain();
        }
    }

    private DnsAnswer ResolveReverse(DomainName name, string[] labels, RecordType type)
    {
        if (labels.Length != 6)
        {
            return DnsAnswer.Forward;
        }

        var address = $"{labels[3]}.{labels[2]}.{labels[1]}.{labels[0]}";
        if (!IsIPv4(address))
        {
            return DnsAnswer.Forward;
        }

        var names = new List<DomainName>();
        foreach (var service in data.ServicesByClusterIP(address))
        {
            names.Add(DomainName.Parse($"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc.{zone}"));
        }

        foreach (var slice in data.SlicesByAddress(address))
        {
            if (slice.Metadata?.Labels?.TryGetValue(ServiceNameLabel, out var serviceName) != true)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Addresses?.Contains(address) == true)
                {
                    names.Add(DomainName.Parse($"{EndpointLabel(endpoint, address)}.{serviceName}.{slice.Metadata.NamespaceProperty}.svc.{zone}"));
                }
            }
        }

        if (names.Count == 0)
        {
            // Not a cluster address: the reverse zone falls through to upstream.
            return DnsAnswer.Forward;
        }

        return type is RecordType.Ptr or RecordType.Any
            ? Answer([.. names.Distinct().Select(n => new PtrRecord(name, ttl, n))])
            : new DnsAnswer(ReturnCode.NoError, [], [], []);
    }

    private IEnumerable<(V1EndpointSlice Slice, V1Endpoint Endpoint, string Address)> ReadyEndpointsWithSlice(V1Service service)
    {
        foreach (var slice in data.GetSlices(service.Metadata.NamespaceProperty ?? "default", service.Metadata.Name).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            if (slice.AddressType != "IPv4")
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // Headless records list ready endpoints only, unless the Service publishes not-ready addresses
                // (StatefulSet peer discovery relies on that).
                if ((endpoint.Conditions?.Ready ?? true) || service.Spec?.PublishNotReadyAddresses == true)
                {
                    foreach (var address in endpoint.Addresses ?? [])
                    {
                        yield return (slice, endpoint, address);
                    }
                }
            }
        }
    }

    private IEnumerable<(V1Endpoint Endpoint, string Address)> ReadyEndpoints(V1Service service) =>
        ReadyEndpointsWithSlice(service).Select(e => (e.Endpoint, e.Address));

    private static string EndpointLabel(V1Endpoint endpoint, string address) =>
        string.IsNullOrEmpty(endpoint.Hostname) ? address.Replace('.', '-') : endpoint.Hostname.ToLowerInvariant();

    private static bool IsHeadless(V1Service service) => service.Spec?.ClusterIP is null or "" or "None";

    private ARecord A(DomainName name, string address) => new(name, ttl, IPAddress.Parse(address));

    private SoaRecord Soa() => new(_zone, ttl, DomainName.Parse($"ns.dns.{zone}"), DomainName.Parse($"hostmaster.{zone}"), 1, 7200, 1800, 86400, ttl);

    private static DnsAnswer Answer(DnsRecordBase[] records) => new(ReturnCode.NoError, records, [], []);

    private DnsAnswer NoData() => new(ReturnCode.NoError, [], [Soa()], []);

    private DnsAnswer NxDomain() => new(ReturnCode.NxDomain, [], [Soa()], []);

    private static bool IsIPv4(string? address) =>
        !string.IsNullOrEmpty(address) && IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
        && address.Count(c => c == '.') == 3;
}
