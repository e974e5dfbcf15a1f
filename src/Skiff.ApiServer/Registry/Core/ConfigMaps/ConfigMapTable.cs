using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ConfigMaps;

/// <summary>The config map columns of kube-apiserver's printers (printConfigMap): DATA counts both maps.</summary>
internal sealed class ConfigMapTable : TableConvertor<V1ConfigMap>
{
    public static readonly ConfigMapTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1ConfigMap obj, DateTime now) =>
    [
        obj.Metadata.Name,
        (long)((obj.Data?.Count ?? 0) + (obj.BinaryData?.Count ?? 0)),
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
    ];
}
