using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.DaemonSets;

/// <summary>
/// kube-apiserver's daemonset printer: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE,
/// wide CONTAINERS IMAGES SELECTOR.
/// </summary>
internal sealed class DaemonSetTable : TableConvertor<V1DaemonSet>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
        new("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
        new("Ready", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
        new("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
        new("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        new("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
        Shared.Columns.Age,
        Shared.Columns.Containers,
        Shared.Columns.Images,
        new("Selector", "string", "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    public override object?[] Cells(V1DaemonSet obj, DateTime now)
    {
        var (names, images) = Shared.Columns.ContainerCells(obj.Spec?.Template?.Spec?.Containers);
        var s = obj.Status;
        return
        [
            obj.Metadata.Name,
            (long)(s?.DesiredNumberScheduled ?? 0),
            (long)(s?.CurrentNumberScheduled ?? 0),
            (long)(s?.NumberReady ?? 0),
            (long)(s?.UpdatedNumberScheduled ?? 0),
            (long)(s?.NumberAvailable ?? 0),
            Shared.Columns.FormatLabels(obj.Spec?.Template?.Spec?.NodeSelector),
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            names,
            images,
            LabelSelectors.Format(obj.Spec?.Selector),
        ];
    }
}
