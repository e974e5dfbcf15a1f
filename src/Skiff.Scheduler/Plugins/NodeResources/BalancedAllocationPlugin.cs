using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.NodeResources;

/// <summary>
/// kube-scheduler's NodeResourcesBalancedAllocation plugin: prefers nodes where cpu and memory would be used in
/// the same proportion after placing the pod. Score = (1 − standard deviation of the used fractions) × 100; with
/// two resources the deviation is |cpu − memory| / 2. Uses the actual requests, as upstream does.
/// </summary>
internal sealed class BalancedAllocationPlugin : IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeResourcesBalancedAllocation";

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate | ClusterEvent.AssignedPodDelete;

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var cpu = Fraction(node.Requested.MilliCpu + pod.Requests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = Fraction(node.Requested.MemoryBytes + pod.Requests.MemoryBytes, node.Allocatable.MemoryBytes);
        var std = Math.Abs(cpu - memory) / 2;
        return (long)((1 - std) * IScorePlugin.MaxScore);
    }

    private static double Fraction(long requested, long capacity) => capacity == 0 ? 1 : Math.Min(1, (double)requested / capacity);
}
