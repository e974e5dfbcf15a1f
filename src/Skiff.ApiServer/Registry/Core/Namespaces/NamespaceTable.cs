using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Namespaces;

/// <summary>The namespace columns of kube-apiserver's printers (printNamespace).</summary>
internal sealed class NamespaceTable : TableConvertor<V1Namespace>
{
    public static readonly NamespaceTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Status", "string", "The status of the namespace"),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1Namespace obj, DateTime now) =>
        [obj.Metadata.Name, obj.Status?.Phase ?? "", HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
}
