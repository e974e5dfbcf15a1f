using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Secrets;

/// <summary>The secret columns of kube-apiserver's printers (printSecret).</summary>
internal sealed class SecretTable : TableConvertor<V1Secret>
{
    public static readonly SecretTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Type", "string", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
        new("Data", "string", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1Secret obj, DateTime now) =>
    [
        obj.Metadata.Name,
        obj.Type ?? "",
        (long)(obj.Data?.Count ?? 0),
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
    ];
}
