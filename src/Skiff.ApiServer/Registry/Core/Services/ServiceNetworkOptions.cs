namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>The ranges Services draw from (kube-apiserver's --service-cluster-ip-range and --service-node-port-range).</summary>
public sealed class ServiceNetworkOptions
{
    /// <summary>IPv4 CIDR of cluster IPs; its first address goes to the <c>kubernetes</c> Service (Skiff default, as k3s: 10.43.0.0/16).</summary>
    public string ServiceCidr { get; set; } = "10.43.0.0/16";

    /// <summary>Lowest node port (inclusive).</summary>
    public int NodePortMin { get; set; } = 30000;

    /// <summary>Highest node port (inclusive).</summary>
    public int NodePortMax { get; set; } = 32767;
}
