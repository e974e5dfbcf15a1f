using Skiff.Controllers.NodeLifecycle;
using Skiff.Controllers.PodAutoscaler;

namespace Skiff.Controllers.Manager;

/// <summary>Settings of the node lifecycle, taint eviction and horizontal pod autoscaler controllers.</summary>
public sealed class NodesAndAutoscalingOptions
{
    public NodeLifecycleOptions NodeLifecycle { get; set; } = new();

    public PodAutoscalerOptions PodAutoscaler { get; set; } = new();

    /// <summary>Workers of the taint eviction controller (kube's taint manager runs 8).</summary>
    public int TaintEvictionWorkers { get; set; } = 8;

    /// <summary>Workers of the horizontal pod autoscaler (<c>--concurrent-horizontal-pod-autoscaler-syncs</c>, 5).</summary>
    public int PodAutoscalerWorkers { get; set; } = 5;
}
