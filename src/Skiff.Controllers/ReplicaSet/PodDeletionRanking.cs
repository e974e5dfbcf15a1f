using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ReplicaSet;

/// <summary>
/// Which pods a scale-down removes first: the same ranking as kube-controller-manager's ReplicaSet pod deletion
/// (controller.ActivePodsWithRanks): unscheduled before scheduled, pending before unknown before running, not
/// ready before ready, pods doubled up on a node before lone ones, recently ready before long ready, more
/// restarts before fewer, newer before older.
/// </summary>
internal static class PodDeletionRanking
{
    public static List<V1Pod> PodsToDelete(IReadOnlyList<V1Pod> pods, int count)
    {
        if (count >= pods.Count)
        {
            return [.. pods];
        }

        var perNode = pods.Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName))
            .GroupBy(p => p.Spec.NodeName)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int Rank(V1Pod p) => string.IsNullOrEmpty(p.Spec?.NodeName) ? 0 : perNode[p.Spec.NodeName];

        var sorted = pods.ToList();
        sorted.Sort((a, b) => Compare(a, b, Rank));
        return sorted.Take(count).ToList();
    }

    /// <summary>Negative when <paramref name="a"/> should be deleted before <paramref name="b"/>.</summary>
    internal static int Compare(V1Pod a, V1Pod b, Func<V1Pod, int> rank)
    {
        var assignedA = !string.IsNullOrEmpty(a.Spec?.NodeName);
        var assignedB = !string.IsNullOrEmpty(b.Spec?.NodeName);
        if (assignedA != assignedB)
        {
            return assignedA ? 1 : -1;
        }

        var phase = PhaseOrder(a).CompareTo(PhaseOrder(b));
        if (phase != 0)
        {
            return phase;
        }

        var readyA = Pods.IsReady(a);
        var readyB = Pods.IsReady(b);
        if (readyA != readyB)
        {
            return readyA ? 1 : -1;
        }

        // More pods of this owner on the same node: delete first, to spread what remains.
        var byRank = rank(b).CompareTo(rank(a));
        if (byRank != 0)
        {
            return byRank;
        }

        if (readyA && readyB)
        {
            var readyTimeA = Pods.Condition(a, "Ready")?.LastTransitionTime ?? DateTime.MinValue;
            var readyTimeB = Pods.Condition(b, "Ready")?.LastTransitionTime ?? DateTime.MinValue;
            if (readyTimeA != readyTimeB)
            {
                return readyTimeB.CompareTo(readyTimeA);
            }
        }

        var restarts = Restarts(b).CompareTo(Restarts(a));
        if (restarts != 0)
        {
            return restarts;
        }

        var createdA = a.Metadata.CreationTimestamp ?? DateTime.MinValue;
        var createdB = b.Metadata.CreationTimestamp ?? DateTime.MinValue;
        return createdB.CompareTo(createdA);
    }

    private static int PhaseOrder(V1Pod p) => p.Status?.Phase switch
    {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0,
    };

    private static int Restarts(V1Pod p) => p.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0;
}
