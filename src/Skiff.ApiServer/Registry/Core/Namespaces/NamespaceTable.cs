using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Core.Shared;

namespace Skiff.ApiServer.Registry.Core.Namespaces;

/// <summary>The namespace columns of kube-apiserver's printers (printNamespace).</summary>
internal sealed class NamespaceTable : TableConvertor<V1Namespace>
{
    public static readonly NamespaceTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        CoreFormat.NameColumn(),
        new("Status", "string", "The status of the namespace"),
        CoreFormat.AgeColumn(),
    ];

    public override object?[] Cells(V1Namespace obj, DateTime now) =>
        [obj.Metadata.Name, obj.Status?.Phase ?? "", HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
}
