using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.DefaultPreemption;

/// <summary>
/// kube-scheduler's DefaultPreemption PostFilter, evaluation half: for each node it decides whether evicting
/// every lower-priority pod there would let the pod fit. Nodes rejected as UnschedulableAndUnresolvable are
/// "Preemption is not helpful for scheduling"; nodes where even that would not help are "No preemption victims
/// found for incoming pod". The text is upstream's ("preemption: 0/3 nodes are available: ...").
/// TODO(issue 6): evict the victims and nominate the node when a candidate exists.
/// </summary>
internal sealed class DefaultPreemptionPlugin(Func<SchedulerProfile> profile) : IPostFilterPlugin
{
    public const string PluginName = "DefaultPreemption";

    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";

    public string Name => PluginName;

    public Task<PostFilterResult> PostFilterAsync(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyDictionary<string, Status> nodeStatuses, CancellationToken cancellationToken)
    {
        if (pod.Pod.Spec.PreemptionPolicy == "Never")
        {
            return Task.FromResult(new PostFilterResult(null, "preemption: not eligible due to preemptionPolicy=Never."));
        }

        var statuses = new List<Status>(snapshot.Nodes.Count);
        var candidates = 0;
        foreach (var node in snapshot.Nodes)
        {
            var status = nodeStatuses.GetValueOrDefault(node.Name);
            if (status is null || status.Code == StatusCode.UnschedulableAndUnresolvable)
            {
                statuses.Add(Status.Unresolvable(NotHelpful));
                continue;
            }

            if (FitsWithoutLowerPriorityPods(pod, node, snapshot))
            {
                candidates++;
                continue;
            }

            statuses.Add(Status.Unschedulable(NoVictims));
        }

        var message = candidates > 0
            ? $"preemption: {candidates} node(s) have lower-priority pods that could be preempted, but preemption is not implemented yet."
            : $"preemption: 0/{snapshot.Nodes.Count} nodes are available: {FitError.Histogram(statuses)}.";
        return Task.FromResult(new PostFilterResult(null, message));
    }

    private bool FitsWithoutLowerPriorityPods(PodInfo pod, NodeInfo node, Snapshot snapshot)
    {
        if (!node.Pods.Exists(p => p.Priority < pod.Priority))
        {
            return false;
        }

        var trimmed = node.Clone();
        foreach (var victim in node.Pods.Where(p => p.Priority < pod.Priority))
        {
            trimmed.RemovePod(victim.Uid);
        }

        var trial = new Snapshot(snapshot.Nodes.Select(n => n.Name == node.Name ? trimmed : n), snapshot.NamespaceLabels);
        var fw = profile();
        var state = new CycleState();
        var s = fw.RunPreFilterOnly(state, pod, trial);
        return s.IsSuccess && fw.RunFilters(state, pod, trimmed).IsSuccess;
    }
}
