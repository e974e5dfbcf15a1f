using System.Globalization;
using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Discovery.EndpointSlices;

/// <summary>kube-apiserver's endpointslice printer: NAME ADDRESSTYPE PORTS ENDPOINTS AGE.</summary>
internal sealed class EndpointSliceTable : TableConvertor<V1EndpointSlice>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name."),
        new("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports."),
        new("Endpoints", "string", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1EndpointSlice obj, DateTime now) =>
    [
        obj.Metadata.Name,
        obj.AddressType ?? "",
        Ports(obj.Ports),
        Endpoints(obj.Endpoints),
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
    ];

    /// <summary>formatDiscoveryPorts: port numbers (or names, or <c>*</c>), three at most.</summary>
    internal static string Ports(IList<Discoveryv1EndpointPort>? ports) =>
        WithMore((ports ?? []).Select(p => p.Port is { } n ? n.ToString(CultureInfo.InvariantCulture) : p.Name is { } name ? name : "*").ToList());

    /// <summary>formatDiscoveryEndpoints: every address of every endpoint, three at most.</summary>
    internal static string Endpoints(IList<V1Endpoint>? endpoints) =>
        WithMore((endpoints ?? []).SelectMany(e => e.Addresses ?? []).ToList());

    /// <summary>listWithMoreString: "a,b,c + N more...", or <c>&lt;unset&gt;</c> when empty.</summary>
    private static string WithMore(List<string> items)
    {
        const int max = 3;
        var text = string.Join(",", items.Take(max));
        if (items.Count > max)
        {
            return $"{text} + {items.Count - max} more...";
        }

        return text.Length == 0 ? "<unset>" : text;
    }
}
