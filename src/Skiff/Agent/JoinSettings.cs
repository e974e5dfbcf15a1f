using Skiff.Server;

namespace Skiff.Agent;

/// <summary>What <c>skiff agent --server URL --token TOKEN</c> is told on its command line.</summary>
internal sealed class JoinSettings
{
    /// <summary>The server's URL (<c>--server</c>), https://HOST:PORT.</summary>
    public required string Server { get; init; }

    /// <summary>The join token (<c>--token</c>): K10&lt;CA hash&gt;::&lt;id&gt;.&lt;secret&gt;, or id.secret with <see cref="CaCertHash"/>.</summary>
    public required string Token { get; init; }

    /// <summary>The CA hash (<c>--ca-cert-hash sha256:HEX</c>) for a token without one.</summary>
    public string? CaCertHash { get; init; }

    /// <summary>The agent's data directory (<c>--data-dir</c>).</summary>
    public required string DataDir { get; init; }

    public string? NodeName { get; init; }

    public string? NodeIp { get; init; }

    public int KubeletPort { get; init; } = 10250;

    public string? RuntimeEndpoint { get; init; }

    /// <summary>The node agent's eviction flags; null means kubelet's defaults.</summary>
    public Kubelet.Eviction.EvictionOptions? Eviction { get; init; }

    /// <summary>The Service proxy and cluster DNS flags.</summary>
    public ServiceNetworkingOptions Networking { get; init; } = new();
}
