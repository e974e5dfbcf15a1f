using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.ReplicaSets;

/// <summary>kube-apiserver's replicaset printer: NAME DESIRED CURRENT READY AGE, wide CONTAINERS IMAGES SELECTOR.</summary>
internal sealed class ReplicaSetTable : TableConvertor<V1ReplicaSet>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"),
        new("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"),
        new("Ready", "integer", "The number of ready replicas for this replica set."),
        Shared.Columns.Age,
        Shared.Columns.Containers,
        Shared.Columns.Images,
        new("Selector", "string", "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    public override object?[] Cells(V1ReplicaSet obj, DateTime now)
    {
        var (names, images) = Shared.Columns.ContainerCells(obj.Spec?.Template?.Spec?.Containers);
        return
        [
            obj.Metadata.Name,
            (long)(obj.Spec?.Replicas ?? 0),
            (long)(obj.Status?.Replicas ?? 0),
            (long)(obj.Status?.ReadyReplicas ?? 0),
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            names,
            images,
            LabelSelectors.Format(obj.Spec?.Selector),
        ];
    }
}
