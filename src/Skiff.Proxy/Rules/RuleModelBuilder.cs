using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Skiff.Proxy.Rules;

/// <summary>
/// Turns Services, EndpointSlices and the node's facts into a <see cref="ProxyRuleSet"/>. Pure: no I/O, no clock;
/// the same inputs give the same (ordered) model. Endpoint selection follows kube-proxy: ready endpoints first, and
/// only when none is ready, endpoints that are serving and terminating; Local traffic policies keep the endpoints on
/// this node.
/// </summary>
internal static class RuleModelBuilder
{
    /// <summary>The label that ties an EndpointSlice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static ProxyRuleSet Build(
        IEnumerable<V1Service> services,
        IEnumerable<V1EndpointSlice> slices,
        string nodeName,
        IEnumerable<string> nodeAddresses,
        string? clusterCidr)
    {
        var slicesByService = new Dictionary<(string, string), List<V1EndpointSlice>>();
        foreach (var slice in slices)
        {
            if (slice.AddressType != "IPv4" || slice.Metadata?.Labels is null
                || !slice.Metadata.Labels.TryGetValue(ServiceNameLabel, out var serviceName))
            {
                continue;
            }

            var key = (slice.Metadata.NamespaceProperty ?? "", serviceName);
            if (!slicesByService.TryGetValue(key, out var list))
            {
                slicesByService[key] = list = [];
            }

            list.Add(slice);
        }

        var ports = new List<ServicePortRule>();
        foreach (var service in services)
        {
            var spec = service.Spec;
            if (spec is null || spec.Type == "ExternalName" || !IsIPv4(spec.ClusterIP) || spec.Ports is null)
            {
                continue;
            }

            var ns = service.Metadata.NamespaceProperty ?? "default";
            slicesByService.TryGetValue((ns, service.Metadata.Name), out var serviceSlices);
            foreach (var port in spec.Ports)
            {
                ports.Add(BuildPort(service, port, serviceSlices ?? [], nodeName));
            }
        }

        ports.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return new ProxyRuleSet
        {
            Ports = [.. ports],
            NodeAddresses = [.. nodeAddresses.Where(IsIPv4).Distinct().Order(StringComparer.Ordinal)],
            ClusterCidr = clusterCidr,
        };
    }

    /// <summary>The node's InternalIP and ExternalIP addresses (IPv4) from its status.</summary>
    public static IEnumerable<string> NodeAddresses(V1Node? node) =>
        node?.Status?.Addresses?.Where(a => a.Type is "InternalIP" or "ExternalIP").Select(a => a.Address).Where(IsIPv4) ?? [];

    private static ServicePortRule BuildPort(V1Service service, V1ServicePort port, List<V1EndpointSlice> slices, string nodeName)
    {
        var spec = service.Spec;
        var protocol = (port.Protocol ?? "TCP").ToLowerInvariant();
        var portName = port.Name ?? "";

        // Every endpoint of this port, deduplicated by address (one address can appear in several slices while
        // the EndpointSlice controller moves it).
        var all = new SortedDictionary<string, (ProxyEndpoint Endpoint, bool Ready, bool ServingTerminating)>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            var slicePort = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == portName && (p.Protocol ?? "TCP").Equals(protocol, StringComparison.OrdinalIgnoreCase));
            if (slicePort?.Port is not int targetPort || slice.Endpoints is null)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints)
            {
                var ready = endpoint.Conditions?.Ready ?? true;
                var serving = endpoint.Conditions?.Serving ?? ready;
                var terminating = endpoint.Conditions?.Terminating ?? false;
                var isLocal = endpoint.NodeName == nodeName
                    || (endpoint.NodeName is null && endpoint.DeprecatedTopology?.TryGetValue("kubernetes.io/hostname", out var host) == true && host == nodeName);
                foreach (var address in endpoint.Addresses ?? [])
                {
                    if (IsIPv4(address))
                    {
                        all.TryAdd(address, (new ProxyEndpoint(address, targetPort, isLocal), ready, serving && terminating));
                    }
                }
            }
        }

        var candidates = all.Values.ToList();
        var internalLocal = spec.InternalTrafficPolicy == "Local";
        var externalLocal = spec.ExternalTrafficPolicy == "Local";
        var external = new List<string>();
        external.AddRange((spec.ExternalIPs ?? []).Where(IsIPv4));
        if (spec.Type == "LoadBalancer")
        {
            external.AddRange((service.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip).Where(IsIPv4));
        }

        var nodePort = spec.Type is "NodePort" or "LoadBalancer" ? port.NodePort ?? 0 : 0;
        var affinity = spec.SessionAffinity == "ClientIP"
            ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800
            : 0;
        return new ServicePortRule
        {
            Namespace = service.Metadata.NamespaceProperty ?? "default",
            Name = service.Metadata.Name,
            PortName = portName,
            Protocol = protocol,
            ClusterIP = spec.ClusterIP,
            Port = port.Port,
            NodePort = nodePort,
            ExternalAddresses = [.. external.Distinct().Order(StringComparer.Ordinal)],
            ClusterEndpoints = Usable(candidates, internalLocal),
            ExternalEndpoints = Usable(candidates, externalLocal && (nodePort != 0 || external.Count > 0)),
            InternalLocal = internalLocal,
            ExternalLocal = externalLocal,
            HasNoEndpoints = Usable(candidates, false).IsEmpty,
            AffinitySeconds = affinity,
        };
    }

    // kube-proxy's CategorizeEndpoints: ready endpoints, else serving-and-terminating ones (so connections drain
    // during a rollout instead of failing), restricted to this node when the policy is Local.
    private static ImmutableArray<ProxyEndpoint> Usable(List<(ProxyEndpoint Endpoint, bool Ready, bool ServingTerminating)> all, bool localOnly)
    {
        var pool = localOnly ? all.Where(e => e.Endpoint.IsLocal).ToList() : all;
        var ready = pool.Where(e => e.Ready).Select(e => e.Endpoint).ToImmutableArray();
        return ready.IsEmpty ? [.. pool.Where(e => e.ServingTerminating).Select(e => e.Endpoint)] : ready;
    }

    private static bool IsIPv4(string? address) =>
        !string.IsNullOrEmpty(address) && address != "None"
        && IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork;
}
