using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.NodeAffinity;
using Skiff.Scheduler.Plugins.TaintToleration;

namespace Skiff.Scheduler.Plugins.PodTopologySpread;

/// <summary>
/// kube-scheduler's PodTopologySpread plugin. For each DoNotSchedule constraint, PreFilter counts the pods that
/// match its selector in every domain of eligible nodes (nodes that pass the pod's node affinity unless
/// nodeAffinityPolicy is Ignore, tolerated unless nodeTaintsPolicy is Ignore (the default), and carrying every
/// constraint's topology key); Filter rejects a node when placing the pod there makes its domain's count exceed
/// the global minimum by more than maxSkew. With fewer domains than minDomains the minimum is 0. ScheduleAnyway
/// constraints score: fewer matching pods in the node's domains is better, weighted by log(domains + 2).
/// </summary>
/// <remarks>
/// A pod without constraints of its own gets default ones: kube-scheduler's system defaults (hostname maxSkew 3,
/// zone maxSkew 5, ScheduleAnyway) unless the plugin's args say <c>defaultingType: List</c> with their own
/// <c>defaultConstraints</c> (an empty list turns defaulting off), each with a selector built from the Services, ReplicationControllers, ReplicaSets and
/// StatefulSets that select it (kube-scheduler's DefaultSelector); a pod no such object selects gets none.
/// </remarks>
internal sealed class PodTopologySpreadPlugin(IReadOnlyList<V1TopologySpreadConstraint>? defaultConstraints = null, SchedulerListers? listers = null, bool systemDefaulted = false) : IPreFilterExtensions, IFilterPlugin, IPreScorePlugin, IScorePlugin, IEnqueueExtensions
{
    /// <summary>
    /// kube-scheduler's system default constraints (defaultingType System, its default): spread the pods of one
    /// Service or controller over hosts (maxSkew 3) and zones (maxSkew 5), as a scoring preference only.
    /// </summary>
    public static readonly IReadOnlyList<V1TopologySpreadConstraint> SystemDefaultConstraints =
    [
        new() { MaxSkew = 3, TopologyKey = "kubernetes.io/hostname", WhenUnsatisfiable = "ScheduleAnyway" },
        new() { MaxSkew = 5, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "ScheduleAnyway" },
    ];

    /// <summary>A plugin with the system default constraints, as kube-scheduler configures it unless told otherwise.</summary>
    public static PodTopologySpreadPlugin WithSystemDefaults(SchedulerListers? listers) => new(SystemDefaultConstraints, listers, systemDefaulted: true);

    public const string PluginName = "PodTopologySpread";

    public const string ErrConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
    public const string ErrMissingLabel = "node(s) didn't match pod topology spread constraints (missing required label)";

    private const string FilterKey = "PreFilter" + PluginName;
    private const string ScoreKey = "PreScore" + PluginName;

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.All;

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var constraints = Constraints(pod, "DoNotSchedule");
        if (constraints.Count == 0)
        {
            return Status.Skipped;
        }

        state.Write(FilterKey, Count(pod, constraints, snapshot.Nodes, snapshot.Nodes, RequireAllTopologies(pod)));
        return Status.Ok;
    }

    public Status AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo node)
    {
        var s = state.Read<SpreadState>(FilterKey);
        if (s is null || podToAdd.Pod.Metadata.NamespaceProperty != podToSchedule.Pod.Metadata.NamespaceProperty)
        {
            return Status.Ok;
        }

        var eligibility = new Eligibility(podToSchedule, s.Constraints, node, s.RequireAllTopologies);
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            if (eligibility.For(i, out var pair) && s.DomainSets[i].Contains(pair) && s.Constraints[i].Matches(podToAdd.Pod))
            {
                s.Counts[pair] = s.Counts.GetValueOrDefault(pair) + 1;
                SetMinimum(s, i);
            }
        }

        return Status.Ok;
    }

    /// <summary>Constraints of the pod's own must find every key on a node; system defaults need not (upstream's requireAllTopologies).</summary>
    private bool RequireAllTopologies(PodInfo pod) => pod.Pod.Spec.TopologySpreadConstraints is { Count: > 0 } || !systemDefaulted;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<SpreadState>(FilterKey);
        if (s is null)
        {
            return Status.Error("PodTopologySpread: PreFilter state missing");
        }

        var labels = node.Node.Metadata.Labels;
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (labels is null || !labels.TryGetValue(c.TopologyKey, out var value))
            {
                return Status.Unresolvable(ErrMissingLabel);
            }

            var self = c.Matches(pod.Pod) ? 1 : 0;
            var skew = s.Counts.GetValueOrDefault(new TopologyPair(c.TopologyKey, value)) + self - s.MinMatch[i];
            if (skew > c.MaxSkew)
            {
                return Status.Unschedulable(ErrConstraintsNotMatch);
            }
        }

        return Status.Ok;
    }

    public Status PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Snapshot snapshot)
    {
        var constraints = Constraints(pod, "ScheduleAnyway");
        if (constraints.Count == 0)
        {
            return Status.Skipped;
        }

        // Domains come from the feasible nodes; counts from every node in those domains (upstream's PreScore).
        state.Write(ScoreKey, Count(pod, constraints, nodes, snapshot.Nodes, RequireAllTopologies(pod)));
        return Status.Ok;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<SpreadState>(ScoreKey);
        var labels = node.Node.Metadata.Labels;
        if (s is null || labels is null)
        {
            return 0;
        }

        double score = 0;
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (!labels.TryGetValue(c.TopologyKey, out var value))
            {
                if (!s.RequireAllTopologies)
                {
                    continue;
                }

                // Upstream ignores nodes without the keys; they get the worst score after normalization.
                return long.MaxValue;
            }

            var weight = Math.Log(s.Domains[i] + 2);
            score += (s.Counts.GetValueOrDefault(new TopologyPair(c.TopologyKey, value)) * weight) + (c.MaxSkew - 1);
        }

        return (long)Math.Round(score);
    }

    /// <summary>Fewer matching pods is better: the lowest raw score maps to 100 (upstream's NormalizeScore).</summary>
    public void NormalizeScores(CycleState state, PodInfo pod, Span<long> scores)
    {
        long min = long.MaxValue, max = 0;
        foreach (var s in scores)
        {
            if (s == long.MaxValue)
            {
                continue;
            }

            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }

        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] == long.MaxValue)
            {
                scores[i] = 0;
            }
            else
            {
                scores[i] = max == 0 ? IScorePlugin.MaxScore : IScorePlugin.MaxScore * (max + min - scores[i]) / max;
            }
        }
    }

    private List<SpreadConstraint> Constraints(PodInfo pod, string action)
    {
        if (pod.Pod.Spec.TopologySpreadConstraints is { Count: > 0 } own)
        {
            return own.Where(c => c.WhenUnsatisfiable == action).Select(c => new SpreadConstraint(c, pod.Pod)).ToList();
        }

        if (defaultConstraints is not { Count: > 0 } || listers is null || !defaultConstraints.Any(c => c.WhenUnsatisfiable == action))
        {
            return [];
        }

        var selector = DefaultSelector(pod.Pod, listers);
        if (selector is null)
        {
            return [];
        }

        return defaultConstraints
            .Where(c => c.WhenUnsatisfiable == action)
            .Select(c => new SpreadConstraint(new V1TopologySpreadConstraint { MaxSkew = c.MaxSkew, TopologyKey = c.TopologyKey, WhenUnsatisfiable = c.WhenUnsatisfiable, LabelSelector = selector }, pod.Pod))
            .ToList();
    }

    /// <summary>
    /// kube-scheduler's helper.DefaultSelector: the union of the selectors of the Services, ReplicationControllers,
    /// ReplicaSets and StatefulSets in the pod's namespace that select the pod; null when none does.
    /// </summary>
    internal static V1LabelSelector? DefaultSelector(V1Pod pod, SchedulerListers listers)
    {
        var labels = pod.Metadata.Labels;
        if (labels is null || labels.Count == 0)
        {
            return null;
        }

        var ns = pod.Metadata.NamespaceProperty;
        var matchLabels = new Dictionary<string, string>(StringComparer.Ordinal);
        var expressions = new List<V1LabelSelectorRequirement>();
        foreach (var svc in listers.Services.ListNamespace(ns))
        {
            if (svc.Spec?.Selector is { Count: > 0 } sel && LabelSelectors.MatchesMap(sel, labels))
            {
                foreach (var (k, v) in sel)
                {
                    matchLabels[k] = v;
                }
            }
        }

        foreach (var rc in listers.ReplicationControllers.ListNamespace(ns))
        {
            if (rc.Spec?.Selector is { Count: > 0 } sel && LabelSelectors.MatchesMap(sel, labels))
            {
                foreach (var (k, v) in sel)
                {
                    matchLabels[k] = v;
                }
            }
        }

        foreach (var selector in listers.ReplicaSets.ListNamespace(ns).Select(r => r.Spec?.Selector)
            .Concat(listers.StatefulSets.ListNamespace(ns).Select(s => s.Spec?.Selector)))
        {
            if (selector is not null && LabelSelectors.Matches(selector, labels))
            {
                foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
                {
                    matchLabels[k] = v;
                }

                expressions.AddRange(selector.MatchExpressions ?? []);
            }
        }

        return matchLabels.Count == 0 && expressions.Count == 0 ? null : new V1LabelSelector { MatchLabels = matchLabels, MatchExpressions = expressions };
    }

    /// <summary>
    /// Counts matching pods per domain. Domains come from <paramref name="domainNodes"/>; when that is the same
    /// list as <paramref name="countNodes"/> (PreFilter) one pass does both, since this runs once per pod over
    /// every node and dominates the cost of spread-constrained pods.
    /// </summary>
    private static SpreadState Count(PodInfo pod, List<SpreadConstraint> constraints, IReadOnlyList<NodeInfo> domainNodes, IReadOnlyList<NodeInfo> countNodes, bool requireAll)
    {
        var s = new SpreadState(constraints) { RequireAllTopologies = requireAll };
        var domains = new HashSet<TopologyPair>[constraints.Count];
        for (var i = 0; i < constraints.Count; i++)
        {
            domains[i] = [];
        }

        var same = ReferenceEquals(domainNodes, countNodes);
        if (!same)
        {
            foreach (var node in domainNodes)
            {
                var eligibility = new Eligibility(pod, constraints, node, requireAll);
                for (var i = 0; i < constraints.Count; i++)
                {
                    if (eligibility.For(i, out var pair))
                    {
                        domains[i].Add(pair);
                    }
                }
            }
        }

        var ns = pod.Pod.Metadata.NamespaceProperty;
        foreach (var node in countNodes)
        {
            var eligibility = new Eligibility(pod, constraints, node, requireAll);
            for (var i = 0; i < constraints.Count; i++)
            {
                if (!eligibility.For(i, out var pair))
                {
                    continue;
                }

                if (same)
                {
                    domains[i].Add(pair);
                }
                else if (!domains[i].Contains(pair))
                {
                    continue;
                }

                long n = 0;
                foreach (var p in node.Pods)
                {
                    if (p.Pod.Metadata.NamespaceProperty == ns && p.Pod.Metadata.DeletionTimestamp is null && constraints[i].Matches(p.Pod))
                    {
                        n++;
                    }
                }

                ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(s.Counts, pair, out _);
                count += n;
            }
        }

        for (var i = 0; i < constraints.Count; i++)
        {
            s.Domains[i] = domains[i].Count;
            s.DomainSets[i] = domains[i];
            SetMinimum(s, i);
        }

        return s;
    }

    /// <summary>The global minimum of constraint <paramref name="i"/>: the smallest count over its domains, 0 below minDomains.</summary>
    private static void SetMinimum(SpreadState s, int i)
    {
        var domains = s.DomainSets[i];
        if (domains.Count < s.Constraints[i].MinDomains || domains.Count == 0)
        {
            s.MinMatch[i] = 0;
            return;
        }

        var min = long.MaxValue;
        foreach (var d in domains)
        {
            min = Math.Min(min, s.Counts.GetValueOrDefault(d));
        }

        s.MinMatch[i] = min;
    }

    /// <summary>
    /// Whether a node takes part in each constraint, computed once per node: it must carry the constraint's key
    /// (every constraint's key when <c>requireAll</c>), pass the pod's node affinity unless the policy ignores it,
    /// and be tolerated when taints are honored.
    /// </summary>
    private readonly ref struct Eligibility
    {
        private readonly List<SpreadConstraint> _constraints;
        private readonly IDictionary<string, string>? _labels;
        private readonly bool _hasKeys;
        private readonly bool _fitsAffinity;
        private readonly bool _tolerated;

        public Eligibility(PodInfo pod, List<SpreadConstraint> constraints, NodeInfo node, bool requireAll)
        {
            _constraints = constraints;
            _labels = node.Node.Metadata.Labels;
            var labels = _labels;
            _hasKeys = labels is not null && (requireAll
                ? constraints.TrueForAll(k => labels.ContainsKey(k.TopologyKey))
                : constraints.Exists(k => labels.ContainsKey(k.TopologyKey)));
            _fitsAffinity = !_hasKeys || !constraints.Exists(c => c.HonorNodeAffinity) || NodeAffinityPlugin.Fits(pod, node);
            _tolerated = !_hasKeys || !constraints.Exists(c => c.HonorTaints)
                || !(node.Node.Spec?.Taints ?? []).Any(t => t.Effect is "NoSchedule" or "NoExecute" && !Tolerations.Tolerated(pod.Pod.Spec.Tolerations, t));
        }

        public bool For(int index, out TopologyPair pair)
        {
            pair = default;
            var c = _constraints[index];
            if (!_hasKeys || (c.HonorNodeAffinity && !_fitsAffinity) || (c.HonorTaints && !_tolerated))
            {
                return false;
            }

            if (!_labels!.TryGetValue(c.TopologyKey, out var value))
            {
                // Only when not every key is required: this constraint just does not see the node.
                return false;
            }

            pair = new TopologyPair(c.TopologyKey, value);
            return true;
        }
    }
}
