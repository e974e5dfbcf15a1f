using System.Net;
using System.Net.Sockets;

namespace Skiff.Api.Validation;

/// <summary>IP address and CIDR rules of apimachinery's validation package, with its messages.</summary>
public static class IpRules
{
    public const string InvalidIpMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

    /// <summary>Whether <paramref name="value"/> is a plain IPv4 or IPv6 address (no zone, no brackets).</summary>
    public static bool IsIp(string value) =>
        value.Length > 0 && !value.Contains('%') && !value.Contains('[') && IPAddress.TryParse(value, out var ip)
        && (ip.AddressFamily == AddressFamily.InterNetworkV6 || value.Count(c => c == '.') == 3);

    /// <summary>Problems with <paramref name="value"/> as an IP address; empty when valid.</summary>
    public static IReadOnlyList<string> IsValidIp(string value) => IsIp(value) ? [] : [InvalidIpMessage];

    /// <summary>Whether the address is IPv6.</summary>
    public static bool IsIPv6(string value) => IsIp(value) && IPAddress.Parse(value).AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>Problems with <paramref name="value"/> as a CIDR; empty when valid.</summary>
    public static IReadOnlyList<string> IsValidCidr(string value)
    {
        var slash = value.IndexOf('/');
        if (slash > 0 && IsIp(value[..slash]) && int.TryParse(value[(slash + 1)..], out var bits) && bits >= 0
            && bits <= (IsIPv6(value[..slash]) ? 128 : 32) && value[(slash + 1)..].All(char.IsAsciiDigit))
        {
            return [];
        }

        return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"];
    }

    /// <summary>
    /// Why an endpoint address may not be used (unspecified, loopback, link-local), as Kubernetes'
    /// validateNonSpecialIP reports; empty when it may.
    /// </summary>
    public static IReadOnlyList<string> NonSpecialIp(string value)
    {
        if (!IsIp(value))
        {
            return [];
        }

        var ip = IPAddress.Parse(value);
        if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
        {
            return ["may not be unspecified (0.0.0.0, ::)"];
        }

        if (IPAddress.IsLoopback(ip))
        {
            return ["may not be in the loopback range (127.0.0.0/8, ::1/128)"];
        }

        var b = ip.GetAddressBytes();
        if ((b.Length == 4 && b[0] == 169 && b[1] == 254) || ip.IsIPv6LinkLocal)
        {
            return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"];
        }

        if ((b.Length == 4 && b[0] == 224 && b[1] == 0 && b[2] == 0) || (b.Length == 16 && b[0] == 0xff && (b[1] & 0x0f) == 0x02))
        {
            return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
        }

        return [];
    }
}
