using System.Net;

namespace Skiff.Controllers.NodeIpam;

/// <summary>
/// Hands out fixed-size subnets of the cluster CIDR (kube-controller-manager's range allocator with
/// --node-cidr-mask-size): the lowest subnet no node holds. Pure; the caller supplies the subnets in use.
/// </summary>
internal sealed class CidrAllocator
{
    private readonly uint _base;
    private readonly int _clusterPrefix;
    private readonly int _nodePrefix;

    public CidrAllocator(string clusterCidr, int nodeMaskSize)
    {
        if (!IPNetwork.TryParse(clusterCidr, out var network) || network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"cluster CIDR {clusterCidr} is not an IPv4 CIDR", nameof(clusterCidr));
        }

        if (nodeMaskSize < network.PrefixLength || nodeMaskSize > 30)
        {
            throw new ArgumentException($"node mask size {nodeMaskSize} does not fit the cluster CIDR {clusterCidr}", nameof(nodeMaskSize));
        }

        _base = ToUInt(network.BaseAddress);
        _clusterPrefix = network.PrefixLength;
        _nodePrefix = nodeMaskSize;
    }

    /// <summary>How many node subnets the cluster CIDR holds.</summary>
    public int Capacity => 1 << (_nodePrefix - _clusterPrefix);

    /// <summary>The lowest subnet not in <paramref name="used"/>, or null when all are taken.</summary>
    public string? Allocate(IReadOnlySet<string> used)
    {
        for (var i = 0; i < Capacity; i++)
        {
            var cidr = Subnet(i);
            if (!used.Contains(cidr))
            {
                return cidr;
            }
        }

        return null;
    }

    /// <summary>The <paramref name="index"/>-th node subnet, e.g. 10.42.3.0/24.</summary>
    public string Subnet(int index)
    {
        var address = _base + ((uint)index << (32 - _nodePrefix));
        var bytes = new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address };
        return $"{new IPAddress(bytes)}/{_nodePrefix}";
    }

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }
}
