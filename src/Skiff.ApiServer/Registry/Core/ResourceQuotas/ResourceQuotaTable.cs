using System.Text;
using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ResourceQuotas;

/// <summary>
/// The resource quota columns of the v1.33 printers (printResourceQuota): NAME REQUEST LIMIT AGE, where
/// REQUEST lists "resource: used/hard" for every resource not prefixed "limits." and LIMIT the others.
/// </summary>
internal sealed class ResourceQuotaTable : TableConvertor<V1ResourceQuota>
{
    public static readonly ResourceQuotaTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
        new("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1ResourceQuota obj, DateTime now)
    {
        var request = new StringBuilder();
        var limit = new StringBuilder();
        var hard = obj.Status?.Hard ?? new Dictionary<string, ResourceQuantity>();
        foreach (var name in hard.Keys.Order(StringComparer.Ordinal))
        {
            var pieces = name.Split('.');
            var target = pieces.Length > 1 && pieces[0] == "limits" ? limit : request;
            target.Append($"{name}: {Shared.Columns.Quantity(obj.Status?.Used, name)}/{Shared.Columns.Quantity(hard, name)}, ");
        }

        return
        [
            obj.Metadata.Name,
            request.ToString().TrimEnd(' ').TrimEnd(','),
            limit.ToString().TrimEnd(' ').TrimEnd(','),
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
        ];
    }
}
