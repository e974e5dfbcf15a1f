using System.Collections.Immutable;

namespace Skiff.Proxy.Rules;

/// <summary>The immutable input of one render: every service port plus the node facts the rules depend on.</summary>
internal sealed record ProxyRuleSet
{
    /// <summary>Service ports ordered by <see cref="ServicePortRule.Id"/>, so equal inputs render equal text.</summary>
    public ImmutableArray<ServicePortRule> Ports { get; init; } = [];

    /// <summary>The node's own addresses that answer node ports; empty means "any local address" (fib type local).</summary>
    public ImmutableArray<string> NodeAddresses { get; init; } = [];

    /// <summary>Pod CIDR; traffic to a cluster IP from outside it is masqueraded (kube-proxy's --cluster-cidr).</summary>
    public string? ClusterCidr { get; init; }
}
