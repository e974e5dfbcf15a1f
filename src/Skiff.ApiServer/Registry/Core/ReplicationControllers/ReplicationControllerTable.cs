using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ReplicationControllers;

/// <summary>The replication controller columns of kube-apiserver's printers (printReplicationController).</summary>
internal sealed class ReplicationControllerTable : TableConvertor<V1ReplicationController>
{
    public static readonly ReplicationControllerTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
        new("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
        new("Ready", "integer", "The number of ready replicas for this replication controller."),
        Shared.Columns.Age,
        new("Containers", "string", "Names of each container in the template.", 1),
        new("Images", "string", "Images referenced by each container in the template.", 1),
        new("Selector", "string", "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    public override object?[] Cells(V1ReplicationController obj, DateTime now)
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
            Shared.Columns.FormatLabels(obj.Spec?.Selector),
        ];
    }
}
