using k8s.Models;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.PodTemplates;

/// <summary>The pod template columns of kube-apiserver's printers (printPodTemplate); there is no AGE column.</summary>
internal sealed class PodTemplateTable : TableConvertor<V1PodTemplate>
{
    public static readonly PodTemplateTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Containers", "string", "Names of each container in the template."),
        new("Images", "string", "Images referenced by each container in the template."),
        new("Pod Labels", "string", "The labels for the pod template."),
    ];

    public override object?[] Cells(V1PodTemplate obj, DateTime now)
    {
        var (names, images) = Shared.Columns.ContainerCells(obj.Template?.Spec?.Containers);
        return [obj.Metadata.Name, names, images, Shared.Columns.FormatLabels(obj.Template?.Metadata?.Labels)];
    }
}
