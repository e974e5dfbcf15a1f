using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Apps.StatefulSets;

/// <summary>kube-apiserver's statefulset printer: NAME READY AGE, wide CONTAINERS IMAGES.</summary>
internal sealed class StatefulSetTable : TableConvertor<V1StatefulSet>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Ready", "string", "Number of the pod with ready state"),
        Shared.Columns.Age,
        Shared.Columns.Containers,
        Shared.Columns.Images,
    ];

    public override object?[] Cells(V1StatefulSet obj, DateTime now)
    {
        var (names, images) = Shared.Columns.ContainerCells(obj.Spec?.Template?.Spec?.Containers);
        return
        [
            obj.Metadata.Name,
            $"{obj.Status?.ReadyReplicas ?? 0}/{obj.Spec?.Replicas ?? 0}",
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            names,
            images,
        ];
    }
}
