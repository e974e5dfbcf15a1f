using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Skiff.Server;

/// <summary>
/// The address this server publishes in the <c>kubernetes</c> Service's endpoints when <c>--advertise-address</c> is not
/// given: like kube-apiserver and k3s, the IPv4 address of the interface that carries the default route; without a
/// default route, the first up non-loopback IPv4 address; null when the machine has none (the endpoints then stay empty,
/// because endpoints may not be loopback addresses).
/// </summary>
internal static class AdvertiseAddress
{
    private const string RouteTable = "/proc/net/route";

    /// <summary>Finds the default advertise address of this machine (or network namespace).</summary>
    public static IPAddress? Detect()
    {
        string routes;
        try
        {
            routes = File.ReadAllText(RouteTable);
        }
        catch (IOException)
        {
            routes = string.Empty;
        }

        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return null;
        }

        var addresses = interfaces
            .Where(nic => nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Select(nic => (nic.Name, Addresses: nic.GetIPProperties().UnicastAddresses.Select(u => u.Address).ToArray()))
            .ToArray();
        return Choose(DefaultRouteInterface(routes), addresses);
    }

    /// <summary>
    /// The pick among <paramref name="interfaces"/> (name and addresses, in the machine's order): the default route's
    /// interface first, else the first interface that is not one of Skiff's own pod bridges or veths.
    /// </summary>
    internal static IPAddress? Choose(string? defaultRouteInterface, IEnumerable<(string Name, IPAddress[] Addresses)> interfaces)
    {
        var usable = interfaces
            .Select(i => (i.Name, Address: i.Addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))))
            .Where(i => i.Address is not null)
            .ToArray();
        var viaDefaultRoute = usable.FirstOrDefault(i => i.Name == defaultRouteInterface).Address;
        return viaDefaultRoute ?? usable
            .Where(i => !i.Name.StartsWith("skiff", StringComparison.Ordinal) && !i.Name.StartsWith("veth", StringComparison.Ordinal))
            .Select(i => i.Address)
            .FirstOrDefault();
    }

    /// <summary>The interface of the lowest-metric IPv4 default route in a <c>/proc/net/route</c> table; null when there is none.</summary>
    internal static string? DefaultRouteInterface(string routeTable)
    {
        string? best = null;
        var bestMetric = long.MaxValue;
        foreach (var line in routeTable.Split('\n').Skip(1))
        {
            var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            // Iface Destination Gateway Flags RefCnt Use Metric Mask ...; a default route has destination and mask 0.
            if (fields.Length < 8 || fields[1] != "00000000" || fields[7] != "00000000")
            {
                continue;
            }

            // RTF_UP (0x1) must be set.
            if (!int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) || (flags & 1) == 0)
            {
                continue;
            }

            var metric = long.TryParse(fields[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : long.MaxValue - 1;
            if (metric < bestMetric)
            {
                bestMetric = metric;
                best = fields[0];
            }
        }

        return best;
    }
}
