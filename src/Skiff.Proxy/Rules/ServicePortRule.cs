using System.Collections.Immutable;

namespace Skiff.Proxy.Rules;

/// <summary>
/// Everything the proxy does for one port of one Service (kube-proxy's ServicePort): the addresses it answers on,
/// and the endpoints chosen for cluster-internal and for external traffic after applying the traffic policies and
/// the ready/serving/terminating rules.
/// </summary>
internal sealed record ServicePortRule
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The port's name ("" for an unnamed port).</summary>
    public required string PortName { get; init; }

    /// <summary>"tcp", "udp" or "sctp" as nftables spells it.</summary>
    public required string Protocol { get; init; }

    public required string ClusterIP { get; init; }

    public required int Port { get; init; }

    /// <summary>0 when the port has no node port.</summary>
    public int NodePort { get; init; }

    /// <summary>externalIPs and status.loadBalancer.ingress IPs, all treated as external destinations.</summary>
    public ImmutableArray<string> ExternalAddresses { get; init; } = [];

    /// <summary>Endpoints for traffic to the cluster IP (internalTrafficPolicy applied).</summary>
    public ImmutableArray<ProxyEndpoint> ClusterEndpoints { get; init; } = [];

    /// <summary>Endpoints for node-port, load-balancer and external-IP traffic (externalTrafficPolicy applied).</summary>
    public ImmutableArray<ProxyEndpoint> ExternalEndpoints { get; init; } = [];

    /// <summary>True when internalTrafficPolicy is Local.</summary>
    public bool InternalLocal { get; init; }

    /// <summary>True when externalTrafficPolicy is Local (only meaningful with external destinations).</summary>
    public bool ExternalLocal { get; init; }

    /// <summary>True when the Service has no usable endpoint at all (traffic is rejected, as kube-proxy does).</summary>
    public bool HasNoEndpoints { get; init; }

    /// <summary>sessionAffinity ClientIP timeout in seconds; 0 when there is no affinity.</summary>
    public int AffinitySeconds { get; init; }

    public bool HasExternal => NodePort != 0 || !ExternalAddresses.IsEmpty;

    /// <summary>"ns/name/proto/port" as kube-proxy names a service port.</summary>
    public string Id => $"{Namespace}/{Name}/{Protocol}/{PortName}";
}
