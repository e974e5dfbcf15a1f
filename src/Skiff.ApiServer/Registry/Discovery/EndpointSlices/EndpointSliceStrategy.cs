using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Discovery.EndpointSlices;

/// <summary>
/// discovery.k8s.io/v1 EndpointSlices (pkg/registry/discovery/endpointslice, ValidateEndpointSlice): an immutable
/// address type, 1..100 addresses per endpoint of that type, and ports defaulting to TCP.
/// </summary>
internal sealed class EndpointSliceStrategy : ResourceStrategy<V1EndpointSlice>
{
    public const int MaxEndpoints = 1000;
    public const int MaxPorts = 100;
    public const int MaxAddresses = 100;

    private static readonly string[] AddressTypes = ["FQDN", "IPv4", "IPv6"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    public override TableConvertor<V1EndpointSlice> Table { get; } = new EndpointSliceTable();

    /// <summary>SetDefaults_EndpointPort: name "" and protocol TCP.</summary>
    public override void Default(V1EndpointSlice obj)
    {
        foreach (var port in obj.Ports ?? [])
        {
            port.Name ??= "";
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }
        }
    }

    public override void Validate(V1EndpointSlice obj, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(obj.AddressType))
        {
            errors.Required("addressType");
        }
        else if (!AddressTypes.Contains(obj.AddressType))
        {
            errors.NotSupported("addressType", obj.AddressType, AddressTypes);
        }

        if ((obj.Endpoints?.Count ?? 0) > MaxEndpoints)
        {
            errors.Add(new FieldError(FieldErrorType.TooMany, "endpoints", obj.Endpoints!.Count, $"must have at most {MaxEndpoints} items"));
        }

        for (var i = 0; i < (obj.Endpoints?.Count ?? 0); i++)
        {
            var endpoint = obj.Endpoints![i];
            var p = $"endpoints[{i}].addresses";
            var count = endpoint.Addresses?.Count ?? 0;
            if (count == 0)
            {
                errors.Required(p, "must contain at least 1 address");
            }
            else if (count > MaxAddresses)
            {
                errors.Add(new FieldError(FieldErrorType.TooMany, p, count, $"must have at most {MaxAddresses} items"));
            }

            for (var j = 0; j < count; j++)
            {
                Address(obj.AddressType, endpoint.Addresses![j], $"{p}[{j}]", errors);
            }

            if (!string.IsNullOrEmpty(endpoint.Hostname))
            {
                FieldRules.DnsLabel(endpoint.Hostname, $"endpoints[{i}].hostname", errors);
            }
        }

        if ((obj.Ports?.Count ?? 0) > MaxPorts)
        {
            errors.Add(new FieldError(FieldErrorType.TooMany, "ports", obj.Ports!.Count, $"must have at most {MaxPorts} items"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (obj.Ports?.Count ?? 0); i++)
        {
            var port = obj.Ports![i];
            var p = $"ports[{i}]";
            if (!string.IsNullOrEmpty(port.Name))
            {
                FieldRules.DnsLabel(port.Name, p + ".name", errors);
            }

            if (!names.Add(port.Name ?? ""))
            {
                errors.Duplicate(p + ".name", port.Name ?? "");
            }

            if (string.IsNullOrEmpty(port.Protocol))
            {
                errors.Required(p + ".protocol");
            }
            else if (!Protocols.Contains(port.Protocol))
            {
                errors.NotSupported(p + ".protocol", port.Protocol, Protocols);
            }

            if (port.Port is { } n && n is < 1 or > 65535)
            {
                errors.Invalid(p + ".port", n, "must be between 1 and 65535, inclusive");
            }
        }
    }

    private static void Address(string? type, string address, string path, FieldErrors errors)
    {
        switch (type)
        {
            case "IPv4":
                if (!IPAddress.TryParse(address, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork || address.Contains(':'))
                {
                    errors.Invalid(path, address, "must be a valid IPv4 address");
                }

                break;
            case "IPv6":
                if (!IPAddress.TryParse(address, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    errors.Invalid(path, address, "must be a valid IPv6 address");
                }

                break;
            case "FQDN":
                FieldRules.DnsSubdomain(address, path, errors);
                break;
        }
    }

    public override void ValidateUpdate(V1EndpointSlice obj, V1EndpointSlice old, FieldErrors errors)
    {
        Validate(obj, errors);
        if (obj.AddressType != old.AddressType)
        {
            errors.Immutable("addressType", obj.AddressType ?? "");
        }
    }
}
