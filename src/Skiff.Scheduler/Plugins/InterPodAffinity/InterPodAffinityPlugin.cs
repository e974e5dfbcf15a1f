using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.InterPodAffinity;

/// <summary>
/// kube-scheduler's InterPodAffinity plugin, for any topology key. Filter, in upstream's order: the pod's
/// required affinity must match pods in the node's domain, except that the first pod
/// of a group that matches its own terms may go anywhere with the topology labels; its required anti-affinity must not
/// match pods there; existing pods' required anti-affinity must not match it in the node's domains. Score: preferred terms of
/// both the pod and the existing pods (the latter's required affinity counting with weight 1, the
/// hardPodAffinityWeight), summed per domain and min-max normalized.
/// </summary>
internal sealed class InterPodAffinityPlugin(int hardPodAffinityWeight = InterPodAffinityPlugin.DefaultHardPodAffinityWeight) : IPreFilterExtensions, IFilterPlugin, IPreScorePlugin, IScorePlugin, IEnqueueExtensions
{
    public const string PluginName = "InterPodAffinity";

    public const string ErrAffinity = "node(s) didn't match pod affinity rules";
    public const string ErrAntiAffinity = "node(s) didn't match pod anti-affinity rules";
    public const string ErrExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules";

    /// <summary>kube-scheduler's default hardPodAffinityWeight.</summary>
    public const int DefaultHardPodAffinityWeight = 1;

    /// <summary>The score an existing pod's required affinity term adds for a node whose domain it matches (0 turns it off).</summary>
    public int HardPodAffinityWeight => hardPodAffinityWeight;

    private const string FilterKey = "PreFilter" + PluginName;
    private const string ScoreKey = "PreScore" + PluginName;

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate | ClusterEvent.AssignedPodAdd | ClusterEvent.AssignedPodUpdate | ClusterEvent.AssignedPodDelete;

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var s = new AffinityState(snapshot.NamespaceLabelsOf);
        var anyAntiAffinityExisting = false;
        foreach (var node in snapshot.Nodes)
        {
            if (node.PodsWithRequiredAntiAffinity > 0)
            {
                anyAntiAffinityExisting = true;
                break;
            }
        }

        if (!anyAntiAffinityExisting && pod.RequiredAffinity.Length == 0 && pod.RequiredAntiAffinity.Length == 0)
        {
            return Status.Skipped;
        }

        foreach (var node in snapshot.Nodes)
        {
            var labels = node.Node.Metadata.Labels;
            if (labels is null)
            {
                continue;
            }

            foreach (var existing in node.Pods)
            {
                Count(s, pod, existing, labels);
            }
        }

        state.Write(FilterKey, s);
        s.MatchesOwnTerms = pod.RequiredAffinity.All(t => t.Matches(pod.Pod, snapshot.NamespaceLabelsOf));
        return Status.Ok;
    }

    public Status AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo node)
    {
        if (state.Read<AffinityState>(FilterKey) is { } s && node.Node.Metadata.Labels is { } labels)
        {
            Count(s, podToSchedule, podToAdd, labels);
        }

        return Status.Ok;
    }

    /// <summary>Adds what one pod on a node with <paramref name="labels"/> contributes to the incoming pod's tallies.</summary>
    private static void Count(AffinityState s, PodInfo pod, PodInfo existing, IDictionary<string, string> labels)
    {
        foreach (var term in existing.RequiredAntiAffinity)
        {
            if (labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(pod.Pod, s.NamespaceLabelsOf))
            {
                Increment(s.ExistingAntiAffinity, new TopologyPair(term.TopologyKey, v));
            }
        }

        if (pod.RequiredAffinity.Length > 0 && pod.RequiredAffinity.All(t => t.Matches(existing.Pod, s.NamespaceLabelsOf)))
        {
            foreach (var term in pod.RequiredAffinity)
            {
                if (labels.TryGetValue(term.TopologyKey, out var v))
                {
                    Increment(s.Affinity, new TopologyPair(term.TopologyKey, v));
                }
            }
        }

        foreach (var term in pod.RequiredAntiAffinity)
        {
            if (labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(existing.Pod, s.NamespaceLabelsOf))
            {
                Increment(s.AntiAffinity, new TopologyPair(term.TopologyKey, v));
            }
        }
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<AffinityState>(FilterKey);
        if (s is null)
        {
            return Status.Error("InterPodAffinity: PreFilter state missing");
        }

        var labels = node.Node.Metadata.Labels ?? new Dictionary<string, string>();
        if (pod.RequiredAffinity.Length > 0)
        {
            var satisfied = true;
            foreach (var term in pod.RequiredAffinity)
            {
                if (!labels.TryGetValue(term.TopologyKey, out var v) || s.Affinity.GetValueOrDefault(new TopologyPair(term.TopologyKey, v)) <= 0)
                {
                    satisfied = false;
                    break;
                }
            }

            if (!satisfied)
            {
                // No pod anywhere matches yet: the pod may start the group if it matches its own terms and the
                // node carries every topology key (upstream's special case for the first pod).
                var first = s.Affinity.Count == 0 && s.MatchesOwnTerms
                    && pod.RequiredAffinity.All(t => labels.ContainsKey(t.TopologyKey));
                if (!first)
                {
                    return Status.Unresolvable(ErrAffinity);
                }
            }
        }

        foreach (var term in pod.RequiredAntiAffinity)
        {
            if (labels.TryGetValue(term.TopologyKey, out var v) && s.AntiAffinity.GetValueOrDefault(new TopologyPair(term.TopologyKey, v)) > 0)
            {
                return Status.Unschedulable(ErrAntiAffinity);
            }
        }

        if (s.ExistingAntiAffinity.Count > 0)
        {
            foreach (var (k, v) in labels)
            {
                if (s.ExistingAntiAffinity.GetValueOrDefault(new TopologyPair(k, v)) > 0)
                {
                    return Status.Unschedulable(ErrExistingAntiAffinity);
                }
            }
        }

        return Status.Ok;
    }

    public Status PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Snapshot snapshot)
    {
        var hasPreferred = pod.PreferredAffinity.Length > 0 || pod.PreferredAntiAffinity.Length > 0;
        var scores = new Dictionary<TopologyPair, long>();
        foreach (var node in snapshot.Nodes)
        {
            if (!hasPreferred && node.PodsWithAffinity == 0)
            {
                continue;
            }

            var labels = node.Node.Metadata.Labels;
            if (labels is null)
            {
                continue;
            }

            foreach (var existing in node.Pods)
            {
                Add(scores, labels, pod.PreferredAffinity, existing.Pod, 1, snapshot);
                Add(scores, labels, pod.PreferredAntiAffinity, existing.Pod, -1, snapshot);
                if (existing.HasAffinity)
                {
                    Add(scores, labels, existing.PreferredAffinity, pod.Pod, 1, snapshot);
                    Add(scores, labels, existing.PreferredAntiAffinity, pod.Pod, -1, snapshot);
                    foreach (var term in hardPodAffinityWeight > 0 ? existing.RequiredAffinity : [])
                    {
                        if (labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(pod.Pod, snapshot.NamespaceLabelsOf))
                        {
                            scores[new TopologyPair(term.TopologyKey, v)] = scores.GetValueOrDefault(new TopologyPair(term.TopologyKey, v)) + HardPodAffinityWeight;
                        }
                    }
                }
            }
        }

        if (scores.Count == 0)
        {
            return Status.Skipped;
        }

        state.Write(ScoreKey, scores);
        return Status.Ok;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var scores = state.Read<Dictionary<TopologyPair, long>>(ScoreKey);
        long total = 0;
        if (scores is not null && node.Node.Metadata.Labels is { } labels)
        {
            foreach (var (k, v) in labels)
            {
                total += scores.GetValueOrDefault(new TopologyPair(k, v));
            }
        }

        // May be negative; NormalizeScores maps min..max onto 0..100 before the framework weighs it.
        return total;
    }

    public void NormalizeScores(CycleState state, PodInfo pod, Span<long> scores)
    {
        if (scores.IsEmpty)
        {
            return;
        }

        long min = long.MaxValue, max = long.MinValue;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }

        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = max > min ? IScorePlugin.MaxScore * (scores[i] - min) / (max - min) : 0;
        }
    }

    private static void Add(Dictionary<TopologyPair, long> scores, IDictionary<string, string> labels, AffinityTerm[] terms, V1Pod target, int sign, Snapshot snapshot)
    {
        foreach (var term in terms)
        {
            if (labels.TryGetValue(term.TopologyKey, out var v) && term.Matches(target, snapshot.NamespaceLabelsOf))
            {
                var pair = new TopologyPair(term.TopologyKey, v);
                scores[pair] = scores.GetValueOrDefault(pair) + (sign * term.Weight);
            }
        }
    }

    private static void Increment(Dictionary<TopologyPair, long> counts, TopologyPair pair) => counts[pair] = counts.GetValueOrDefault(pair) + 1;
}
