using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.Deployments;

/// <summary>kube-apiserver's deployment printer: NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR.</summary>
internal sealed class DeploymentTable : TableConvertor<V1Deployment>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Ready", "string", "Number of the pod with ready state"),
        new("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        new("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        Shared.Columns.Age,
        Shared.Columns.Containers,
        Shared.Columns.Images,
        new("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
    ];

    public override object?[] Cells(V1Deployment obj, DateTime now)
    {
        var (names, images) = Shared.Columns.ContainerCells(obj.Spec?.Template?.Spec?.Containers);
        var selector = LabelSelectors.IsConvertible(obj.Spec?.Selector) ? LabelSelectors.ToSelectorString(obj.Spec?.Selector) : "<invalid>";
        return
        [
            obj.Metadata.Name,
            $"{obj.Status?.ReadyReplicas ?? 0}/{obj.Spec?.Replicas ?? 0}",
            (long)(obj.Status?.UpdatedReplicas ?? 0),
            (long)(obj.Status?.AvailableReplicas ?? 0),
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            names,
            images,
            selector,
        ];
    }
}
