namespace Skiff.Proxy;

/// <summary>Settings of the Service proxy.</summary>
public sealed class ProxyOptions
{
    /// <summary>This node's name: endpoints with this nodeName are local for the Local traffic policies.</summary>
    public string NodeName { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>Pod CIDR; cluster-IP traffic from outside it is masqueraded. Null turns that off.</summary>
    public string? ClusterCidr { get; set; } = "10.42.0.0/16";

    /// <summary>The nft binary.</summary>
    public string NftPath { get; set; } = "nft";

    /// <summary>The conntrack binary (conntrack-tools), used to delete UDP flows of removed endpoints.</summary>
    public string ConntrackPath { get; set; } = "conntrack";

    /// <summary>Apply the table inside this named network namespace (tests, benchmarks); null is the current one.</summary>
    public string? NetworkNamespace { get; set; }

    /// <summary>Shortest time between two syncs: changes arriving closer together are coalesced into one apply.</summary>
    public TimeSpan MinSyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A full resync happens at least this often even without changes (repairs rules changed by hand).</summary>
    public TimeSpan FullResyncInterval { get; set; } = TimeSpan.FromSeconds(30);
}
