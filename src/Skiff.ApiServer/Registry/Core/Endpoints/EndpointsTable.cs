using System.Net;
using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Endpoints;

/// <summary>
/// The endpoints columns of kube-apiserver's printers (printEndpoints / formatEndpoints): at most three
/// ready address:port pairs, then "+ N more...".
/// </summary>
internal sealed class EndpointsTable : TableConvertor<V1Endpoints>
{
    public static readonly EndpointsTable Instance = new();

    private const int Max = 3;

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Endpoints", "string", "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1Endpoints obj, DateTime now) =>
        [obj.Metadata.Name, Format(obj), HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];

    public static string Format(V1Endpoints obj)
    {
        if (obj.Subsets is null || obj.Subsets.Count == 0)
        {
            return "<none>";
        }

        var list = new List<string>();
        var more = false;
        var count = 0;
        foreach (var subset in obj.Subsets)
        {
            var addresses = subset.Addresses ?? [];
            if (subset.Ports is null || subset.Ports.Count == 0)
            {
                // Headless services may have no ports.
                count += addresses.Count;
                foreach (var a in addresses)
                {
                    if (list.Count == Max)
                    {
                        more = true;
                        break;
                    }

                    list.Add(a.Ip ?? "");
                }

                continue;
            }

            foreach (var port in subset.Ports)
            {
                count += addresses.Count;
                foreach (var a in addresses)
                {
                    if (list.Count == Max)
                    {
                        more = true;
                        break;
                    }

                    list.Add(JoinHostPort(a.Ip ?? "", port.Port));
                }
            }
        }

        var text = string.Join(",", list);
        return more ? $"{text} + {count - Max} more..." : text;
    }

    // Go's net.JoinHostPort brackets hosts that contain a colon (IPv6).
    private static string JoinHostPort(string host, int port) =>
        host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}";
}
