using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.NodeName;

/// <summary>kube-scheduler's NodeName plugin: a pod that names a node fits only that node.</summary>
internal sealed class NodeNamePlugin : IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeName";

    public const string ErrReason = "node(s) didn't match the requested node name";

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        string.IsNullOrEmpty(pod.Pod.Spec.NodeName) || pod.Pod.Spec.NodeName == node.Name ? Status.Ok : Status.Unresolvable(ErrReason);
}
