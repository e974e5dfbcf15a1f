using k8s.Models;

namespace Skiff.Controllers.DaemonSet;

/// <summary>
/// What one sync of a DaemonSet does: create a pod on these nodes, delete these pods, and replace these failed pods
/// (deleted by the controller unless their node is in backoff).
/// </summary>
internal sealed record DaemonSetPlan(List<string> NodesNeedingPods, List<V1Pod> PodsToDelete, List<V1Pod> FailedPods)
{
    public bool IsEmpty => NodesNeedingPods.Count == 0 && PodsToDelete.Count == 0 && FailedPods.Count == 0;
}
