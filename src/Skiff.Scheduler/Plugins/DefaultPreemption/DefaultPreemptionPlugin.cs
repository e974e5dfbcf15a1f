using k8s.Models;
using Skiff.Client.Api;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.DefaultPreemption;

/// <summary>
/// kube-scheduler's DefaultPreemption PostFilter. For each node the pod failed on with a resolvable reason, it
/// removes every lower-priority pod and checks whether the pod then fits; if so it gives back as many of those
/// victims as it can, highest priority first (upstream's reprieve), and the remainder are the node's victims.
/// The candidate whose most important victim has the lowest priority wins, then the one with fewest victims.
/// Victims are deleted and the pod is nominated to the node; it is scheduled once the deletions free the room.
/// Nodes rejected as UnschedulableAndUnresolvable are "Preemption is not helpful for scheduling", nodes where
/// removal would not help are "No preemption victims found for incoming pod", in upstream's message form.
/// TODO(issue 6): nominated pods do not yet hold their node against lower-priority pods; PodDisruptionBudgets are not consulted.
/// </summary>
internal sealed class DefaultPreemptionPlugin(Func<SchedulerProfile> profile, IResourceClient<V1Pod>? pods) : IPostFilterPlugin
{
    public const string PluginName = "DefaultPreemption";

    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";

    public string Name => PluginName;

    public async Task<PostFilterResult> PostFilterAsync(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyDictionary<string, Status> nodeStatuses, CancellationToken cancellationToken)
    {
        if (pod.Pod.Spec.PreemptionPolicy == "Never")
        {
            return new PostFilterResult(null, "preemption: not eligible due to preemptionPolicy=Never.");
        }

        var statuses = new List<Status>(snapshot.Nodes.Count);
        (NodeInfo Node, List<PodInfo> Victims)? best = null;
        foreach (var node in snapshot.Nodes)
        {
            var status = nodeStatuses.GetValueOrDefault(node.Name);
            if (status is null || status.Code == StatusCode.UnschedulableAndUnresolvable)
            {
                statuses.Add(Status.Unresolvable(NotHelpful));
                continue;
            }

            var victims = SelectVictims(pod, node, snapshot);
            if (victims is null)
            {
                statuses.Add(Status.Unschedulable(NoVictims));
                continue;
            }

            if (best is null || Better(victims, best.Value.Victims))
            {
                best = (node, victims);
            }
        }

        if (best is not { } chosen)
        {
            return new PostFilterResult(null, $"preemption: 0/{snapshot.Nodes.Count} nodes are available: {FitError.Histogram(statuses)}.");
        }

        if (pods is not null)
        {
            foreach (var victim in chosen.Victims)
            {
                await ApiErrors.IgnoreNotFoundAsync(() => pods.DeleteAsync(victim.Pod.Metadata.NamespaceProperty, victim.Pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = victim.Pod.Metadata.Uid } }, cancellationToken)).ConfigureAwait(false);
            }
        }

        return new PostFilterResult(chosen.Node.Name, "");
    }

    /// <summary>The lower-priority pods that must go for the pod to fit on the node, or null if removing them all would not help.</summary>
    internal List<PodInfo>? SelectVictims(PodInfo pod, NodeInfo node, Snapshot snapshot)
    {
        var lower = node.Pods.Where(p => p.Priority < pod.Priority).ToList();
        if (lower.Count == 0)
        {
            return null;
        }

        var trimmed = node.Clone();
        foreach (var victim in lower)
        {
            trimmed.RemovePod(victim.Uid);
        }

        if (!Fits(pod, trimmed, snapshot))
        {
            return null;
        }

        // Reprieve: give back the most important pods first while the pod still fits.
        var victims = new List<PodInfo>();
        foreach (var candidate in lower.OrderByDescending(p => p.Priority))
        {
            trimmed.AddPod(candidate);
            if (!Fits(pod, trimmed, snapshot))
            {
                trimmed.RemovePod(candidate.Uid);
                victims.Add(candidate);
            }
        }

        return victims;
    }

    private bool Fits(PodInfo pod, NodeInfo node, Snapshot snapshot)
    {
        var trial = new Snapshot(snapshot.Nodes.Select(n => n.Name == node.Name ? node : n), snapshot.NamespaceLabels);
        var fw = profile();
        var state = new CycleState();
        return fw.RunPreFilterOnly(state, pod, trial).IsSuccess && fw.RunFilters(state, pod, node).IsSuccess;
    }

    // Upstream's pickOneNodeForPreemption, reduced: lowest highest-victim priority, then fewest victims.
    private static bool Better(List<PodInfo> a, List<PodInfo> b)
    {
        var maxA = a.Count == 0 ? int.MinValue : a.Max(p => p.Priority);
        var maxB = b.Count == 0 ? int.MinValue : b.Max(p => p.Priority);
        return maxA != maxB ? maxA < maxB : a.Count < b.Count;
    }
}
