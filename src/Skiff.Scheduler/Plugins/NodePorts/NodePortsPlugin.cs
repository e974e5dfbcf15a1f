using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.NodePorts;

/// <summary>kube-scheduler's NodePorts plugin: a host port (protocol, address, port) may be claimed by one pod per node.</summary>
internal sealed class NodePortsPlugin : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "NodePorts";

    public const string ErrReason = "node(s) didn't have free ports for the requested pod ports";

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.AssignedPodDelete;

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot) => pod.HostPorts.Count == 0 ? Status.Skipped : Status.Ok;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var wanted in pod.HostPorts)
        {
            foreach (var used in node.UsedPorts)
            {
                if (wanted.ConflictsWith(used))
                {
                    return Status.Unschedulable(ErrReason);
                }
            }
        }

        return Status.Ok;
    }
}
