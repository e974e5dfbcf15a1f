using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.TaintToleration;

/// <summary>
/// kube-scheduler's TaintToleration plugin. Filter: the node's first NoSchedule/NoExecute taint the pod does
/// not tolerate rejects it, named in the reason. Score: fewer untolerated PreferNoSchedule taints is better,
/// normalized in reverse so the node with the most such taints scores 0.
/// </summary>
internal sealed class TaintTolerationPlugin : IFilterPlugin, IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "TaintToleration";

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var taint in node.Node.Spec?.Taints ?? [])
        {
            if (taint.Effect is "NoSchedule" or "NoExecute" && !Tolerations.Tolerated(pod.Pod.Spec.Tolerations, taint))
            {
                return Status.Unresolvable($"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}");
            }
        }

        return Status.Ok;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        // Only tolerations that can apply to PreferNoSchedule count here (kube-scheduler's getAllTolerationPreferNoSchedule).
        var count = 0;
        foreach (var taint in node.Node.Spec?.Taints ?? [])
        {
            if (taint.Effect == "PreferNoSchedule"
                && pod.Pod.Spec.Tolerations?.Any(t => (string.IsNullOrEmpty(t.Effect) || t.Effect == "PreferNoSchedule") && Tolerations.Tolerates(t, taint)) != true)
            {
                count++;
            }
        }

        return count;
    }

    public void NormalizeScores(CycleState state, PodInfo pod, Span<long> scores) => ScoreNormalizer.Default(scores, reverse: true);
}
