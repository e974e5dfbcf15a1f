using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.NodeResources;

/// <summary>
/// kube-scheduler's NodeResourcesFit plugin. Filter: the pod's effective requests (max of init containers and
/// the sum of containers, plus overhead) must fit in allocatable minus what the node's pods request, for cpu,
/// memory, ephemeral-storage, extended resources and the pod count; every shortfall is a reason
/// ("Insufficient cpu", "Too many pods"). Score: LeastAllocated (default) or MostAllocated over cpu and memory
/// with equal weights, on non-zero requests (a container without requests counts as 100m / 200Mi).
/// </summary>
internal sealed class NodeResourcesFitPlugin(ScoringStrategy strategy = ScoringStrategy.LeastAllocated) : IFilterPlugin, IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeResourcesFit";

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate | ClusterEvent.AssignedPodDelete | ClusterEvent.AssignedPodUpdate;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var reasons = Insufficient(pod, node);
        return reasons is null ? Status.Ok : new Status(StatusCode.Unschedulable, reasons);
    }

    /// <summary>The reasons the pod does not fit, or null when it fits (kube-scheduler's fitsRequest).</summary>
    public static List<string>? Insufficient(PodInfo pod, NodeInfo node)
    {
        List<string>? reasons = null;
        var alloc = node.Allocatable;
        var used = node.Requested;
        var req = pod.Requests;
        if (node.Pods.Count + 1 > alloc.AllowedPodNumber)
        {
            (reasons ??= []).Add("Too many pods");
        }

        if (req.MilliCpu > 0 && req.MilliCpu > alloc.MilliCpu - used.MilliCpu)
        {
            (reasons ??= []).Add("Insufficient cpu");
        }

        if (req.MemoryBytes > 0 && req.MemoryBytes > alloc.MemoryBytes - used.MemoryBytes)
        {
            (reasons ??= []).Add("Insufficient memory");
        }

        if (req.EphemeralStorageBytes > 0 && req.EphemeralStorageBytes > alloc.EphemeralStorageBytes - used.EphemeralStorageBytes)
        {
            (reasons ??= []).Add("Insufficient ephemeral-storage");
        }

        if (req.Scalar is not null)
        {
            foreach (var (name, amount) in req.Scalar)
            {
                if (amount > 0 && amount > alloc.ScalarValue(name) - used.ScalarValue(name))
                {
                    (reasons ??= []).Add("Insufficient " + name);
                }
            }
        }

        return reasons;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var cpu = ResourceScore(node.NonZeroRequested.MilliCpu + pod.NonZeroRequests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = ResourceScore(node.NonZeroRequested.MemoryBytes + pod.NonZeroRequests.MemoryBytes, node.Allocatable.MemoryBytes);
        return (cpu + memory) / 2;
    }

    private long ResourceScore(long requested, long capacity)
    {
        if (capacity == 0 || requested > capacity)
        {
            return strategy == ScoringStrategy.LeastAllocated ? 0 : (capacity == 0 ? 0 : IScorePlugin.MaxScore);
        }

        return strategy == ScoringStrategy.LeastAllocated
            ? (capacity - requested) * IScorePlugin.MaxScore / capacity
            : requested * IScorePlugin.MaxScore / capacity;
    }
}
