using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.NodeAffinity;

/// <summary>
/// kube-scheduler's NodeAffinity plugin. Filter: spec.nodeSelector and required node affinity must both match
/// the node. Score: the sum of the weights of the preferred terms the node matches, normalized to 0..100.
/// </summary>
internal sealed class NodeAffinityPlugin : IFilterPlugin, IPreScorePlugin, IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "NodeAffinity";

    public const string ErrReason = "node(s) didn't match Pod's node affinity/selector";

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) => Fits(pod, node) ? Status.Ok : Status.Unresolvable(ErrReason);

    /// <summary>Whether the pod's node selector and required node affinity accept the node (also used by PodTopologySpread).</summary>
    public static bool Fits(PodInfo pod, NodeInfo node)
    {
        var spec = pod.Pod.Spec;
        if (!LabelSelectors.MatchesMap(spec.NodeSelector, node.Node.Metadata.Labels))
        {
            return false;
        }

        var required = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        return required is null || LabelSelectors.Matches(required, node.Node);
    }

    public Status PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Snapshot snapshot) =>
        pod.Pod.Spec.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution is { Count: > 0 } ? Status.Ok : Status.Skipped;

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        long score = 0;
        foreach (var term in pod.Pod.Spec.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? [])
        {
            if (term.Weight != 0 && LabelSelectors.Matches(term.Preference, node.Node))
            {
                score += term.Weight;
            }
        }

        return score;
    }

    public void NormalizeScores(CycleState state, PodInfo pod, Span<long> scores) => ScoreNormalizer.Default(scores, reverse: false);
}
