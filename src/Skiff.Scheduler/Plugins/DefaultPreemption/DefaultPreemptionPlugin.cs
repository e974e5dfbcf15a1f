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
/// PodDisruptionBudgets: victims whose eviction would violate a budget (its disruptionsAllowed used up) are given
/// back first, and candidates are ranked as upstream's pickOneNodeForPreemption does: fewest budget violations,
/// then the lowest most-important victim, the smallest sum of victim priorities, then the fewest victims.
/// </summary>
internal sealed class DefaultPreemptionPlugin(Func<SchedulerProfile> profile, IResourceClient<V1Pod>? pods, SchedulerListers? listers = null) : IPostFilterPlugin
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
        (NodeInfo Node, Victims Victims)? best = null;
        var budgets = listers?.DisruptionBudgets.List() ?? [];
        foreach (var node in snapshot.Nodes)
        {
            var status = nodeStatuses.GetValueOrDefault(node.Name);
            if (status is null || status.Code == StatusCode.UnschedulableAndUnresolvable)
            {
                statuses.Add(Status.Unresolvable(NotHelpful));
                continue;
            }

            var victims = SelectVictims(pod, node, snapshot, budgets);
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
            foreach (var victim in chosen.Victims.Pods)
            {
                await ApiErrors.IgnoreNotFoundAsync(() => pods.DeleteAsync(victim.Pod.Metadata.NamespaceProperty, victim.Pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = victim.Pod.Metadata.Uid } }, cancellationToken)).ConfigureAwait(false);
            }
        }

        return new PostFilterResult(chosen.Node.Name, "");
    }

    /// <summary>The lower-priority pods that must go for the pod to fit on the node, or null if removing them all would not help.</summary>
    internal List<PodInfo>? SelectVictims(PodInfo pod, NodeInfo node, Snapshot snapshot) => SelectVictims(pod, node, snapshot, [])?.Pods;

    /// <summary>
    /// kube-scheduler's selectVictimsOnNode: remove every lower-priority pod; if the pod then fits, give pods back
    /// most important first, those whose eviction would violate a PodDisruptionBudget before the others, and
    /// count the violating pods that still have to go.
    /// </summary>
    internal Victims? SelectVictims(PodInfo pod, NodeInfo node, Snapshot snapshot, IReadOnlyList<V1PodDisruptionBudget> budgets)
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

        // Most important first: higher priority, then the one that started earlier (upstream's MoreImportantPod).
        var ordered = lower
            .OrderByDescending(p => p.Priority)
            .ThenBy(p => p.Pod.Status?.StartTime ?? DateTime.MaxValue)
            .ToList();
        var (violating, nonViolating) = SplitByBudgetViolation(ordered, budgets);
        var victims = new List<PodInfo>();
        var violations = 0;
        foreach (var (group, counts) in new[] { (violating, true), (nonViolating, false) })
        {
            foreach (var candidate in group)
            {
                trimmed.AddPod(candidate);
                if (!Fits(pod, trimmed, snapshot))
                {
                    trimmed.RemovePod(candidate.Uid);
                    victims.Add(candidate);
                    if (counts)
                    {
                        violations++;
                    }
                }
            }
        }

        return new Victims(victims, violations);
    }

    /// <summary>
    /// kube-scheduler's filterPodsWithPDBViolation: walking the pods in order, each pod matched by a budget uses
    /// one of its allowed disruptions (unless already counted in status.disruptedPods); a pod that drives any
    /// matching budget below zero would violate it. A budget with an empty selector matches no pod.
    /// </summary>
    internal static (List<PodInfo> Violating, List<PodInfo> NonViolating) SplitByBudgetViolation(IReadOnlyList<PodInfo> pods, IReadOnlyList<V1PodDisruptionBudget> budgets)
    {
        var allowed = budgets.Select(b => b.Status?.DisruptionsAllowed ?? 0).ToArray();
        var violating = new List<PodInfo>();
        var nonViolating = new List<PodInfo>();
        foreach (var p in pods)
        {
            var violates = false;
            var labels = p.Pod.Metadata.Labels ?? new Dictionary<string, string>();
            for (var i = 0; i < budgets.Count; i++)
            {
                var b = budgets[i];
                if (b.Metadata.NamespaceProperty != p.Pod.Metadata.NamespaceProperty)
                {
                    continue;
                }

                var selector = b.Spec?.Selector;
                if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0) || !LabelSelectors.Matches(selector, labels))
                {
                    continue;
                }

                if (b.Status?.DisruptedPods?.ContainsKey(p.Pod.Metadata.Name) == true)
                {
                    continue;
                }

                allowed[i]--;
                if (allowed[i] < 0)
                {
                    violates = true;
                }
            }

            (violates ? violating : nonViolating).Add(p);
        }

        return (violating, nonViolating);
    }

    private bool Fits(PodInfo pod, NodeInfo node, Snapshot snapshot)
    {
        var trial = new Snapshot(snapshot.Nodes.Select(n => n.Name == node.Name ? node : n), snapshot.NamespaceLabels);
        var fw = profile();
        var state = new CycleState();
        return fw.RunPreFilterOnly(state, pod, trial).IsSuccess && fw.RunFilters(state, pod, node).IsSuccess;
    }

    // Upstream's pickOneNodeForPreemption: fewest PDB violations, lowest highest-priority victim, smallest sum of
    // victim priorities, fewest victims (the start-time tie-breaker is left out).
    private static bool Better(Victims a, Victims b)
    {
        if (a.Violations != b.Violations)
        {
            return a.Violations < b.Violations;
        }

        var maxA = a.Pods.Count == 0 ? int.MinValue : a.Pods.Max(p => p.Priority);
        var maxB = b.Pods.Count == 0 ? int.MinValue : b.Pods.Max(p => p.Priority);
        if (maxA != maxB)
        {
            return maxA < maxB;
        }

        // Upstream sums priorities shifted by MaxInt32+1 so negative priorities compare correctly.
        var sumA = a.Pods.Sum(p => (long)p.Priority + int.MaxValue + 1);
        var sumB = b.Pods.Sum(p => (long)p.Priority + int.MaxValue + 1);
        return sumA != sumB ? sumA < sumB : a.Pods.Count < b.Pods.Count;
    }

    /// <summary>The pods to evict on one node and how many of them violate a PodDisruptionBudget.</summary>
    internal sealed record Victims(List<PodInfo> Pods, int Violations);
}
