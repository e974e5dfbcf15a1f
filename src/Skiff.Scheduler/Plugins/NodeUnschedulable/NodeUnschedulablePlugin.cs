using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.TaintToleration;

namespace Skiff.Scheduler.Plugins.NodeUnschedulable;

/// <summary>
/// kube-scheduler's NodeUnschedulable plugin: a cordoned node (spec.unschedulable) takes only pods that
/// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint, as DaemonSet pods do.
/// </summary>
internal sealed class NodeUnschedulablePlugin : IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeUnschedulable";

    public const string ErrReason = "node(s) were unschedulable";

    private static readonly V1Taint UnschedulableTaint = new() { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" };

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        node.Node.Spec?.Unschedulable == true && !Tolerations.Tolerated(pod.Pod.Spec.Tolerations, UnschedulableTaint)
            ? Status.Unresolvable(ErrReason)
            : Status.Ok;
}
