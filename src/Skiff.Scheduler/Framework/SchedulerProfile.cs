using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// One scheduling profile (kube-scheduler's frameworkImpl): the enabled plugins by extension point, their
/// score weights, and the logic that runs them in order. A profile serves pods whose spec.schedulerName is
/// its <see cref="SchedulerName"/>. Stateless between cycles except the round-robin filter start index.
/// </summary>
internal sealed class SchedulerProfile
{
    private readonly IPreFilterPlugin[] _preFilter;
    private readonly IPreFilterExtensions[] _preFilterExtensions;
    private readonly IFilterPlugin[] _filter;
    private readonly IPostFilterPlugin[] _postFilter;
    private readonly IPreScorePlugin[] _preScore;
    private readonly (IScorePlugin Plugin, int Weight)[] _score;
    private readonly IReservePlugin[] _reserve;
    private readonly IPermitPlugin[] _permit;
    private readonly IPreBindPlugin[] _preBind;
    private readonly IBindPlugin[] _bind;
    private readonly ConcurrentDictionary<string, WaitingPod> _waiting = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, ClusterEvent> _events;
    private readonly Random _random;
    private int _nextStartNodeIndex;

    /// <param name="plugins">Enabled plugins in order; each is placed at every extension point it implements.</param>
    /// <param name="weights">Score weights by plugin name; a missing weight is 1.</param>
    /// <param name="enabledAt">Whether a plugin runs at an extension point (<see cref="ExtensionPoints"/> names); all by default.</param>
    public SchedulerProfile(string schedulerName, IEnumerable<ISchedulerPlugin> plugins, IReadOnlyDictionary<string, int> weights, int percentageOfNodesToScore, Random random, Func<string, string, bool>? enabledAt = null, TimeProvider? time = null)
    {
        SchedulerName = schedulerName;
        var list = plugins.ToList();
        enabledAt ??= static (_, _) => true;
        T[] At<T>(string point) => [.. list.OfType<T>().Where(p => enabledAt(point, ((ISchedulerPlugin)p!).Name))];
        Plugins = list.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        _preFilter = At<IPreFilterPlugin>(ExtensionPoints.PreFilter);
        _preFilterExtensions = [.. _preFilter.OfType<IPreFilterExtensions>()];
        _filter = At<IFilterPlugin>(ExtensionPoints.Filter);
        _postFilter = At<IPostFilterPlugin>(ExtensionPoints.PostFilter);
        _preScore = At<IPreScorePlugin>(ExtensionPoints.PreScore);
        _score = [.. At<IScorePlugin>(ExtensionPoints.Score).Select(p => (p, weights.GetValueOrDefault(p.Name, 1))).Where(p => p.Item2 > 0)];
        _reserve = At<IReservePlugin>(ExtensionPoints.Reserve);
        _permit = At<IPermitPlugin>(ExtensionPoints.Permit);
        _preBind = At<IPreBindPlugin>(ExtensionPoints.PreBind);
        _bind = At<IBindPlugin>(ExtensionPoints.Bind);
        _time = time ?? TimeProvider.System;
        _events = list.OfType<IEnqueueExtensions>().ToFrozenDictionary(p => p.Name, p => p.EventsToRegister, StringComparer.Ordinal);
        PercentageOfNodesToScore = percentageOfNodesToScore;
        _random = random;
    }

    public string SchedulerName { get; }

    public FrozenDictionary<string, ISchedulerPlugin> Plugins { get; }

    /// <summary>0 means adaptive (kube-scheduler's default); otherwise a percentage of nodes to find feasible before stopping.</summary>
    public int PercentageOfNodesToScore { get; }

    /// <summary>The events that may make a pod rejected by <paramref name="plugin"/> schedulable; all events for plugins that did not say.</summary>
    public ClusterEvent EventsFor(string plugin) => _events.GetValueOrDefault(plugin, ClusterEvent.All);

    /// <summary>
    /// How many feasible nodes to look for before scoring (kube-scheduler's numFeasibleNodesToFind): all of a
    /// small cluster; otherwise a percentage that shrinks from 50% as the cluster grows (never under 5%),
    /// and never fewer than 100 nodes.
    /// </summary>
    public int NumFeasibleNodesToFind(int allNodes)
    {
        const int minFeasibleNodes = 100;
        if (allNodes < minFeasibleNodes || PercentageOfNodesToScore >= 100)
        {
            return allNodes;
        }

        var percentage = PercentageOfNodesToScore;
        if (percentage <= 0)
        {
            percentage = Math.Max(5, 50 - (allNodes / 125));
        }

        var n = allNodes * percentage / 100;
        return Math.Max(n, minFeasibleNodes);
    }

    /// <summary>
    /// PreFilter then Filter over the snapshot, starting where the previous cycle stopped so nodes share the load.
    /// Nominated pods of equal or higher priority count on their node (kube-scheduler's
    /// RunFilterPluginsWithNominatedPods) when a <paramref name="nominator"/> is given.
    /// </summary>
    public FilterResult FindFeasibleNodes(CycleState state, PodInfo pod, Snapshot snapshot, Nominator? nominator = null)
    {
        var result = new FilterResult();
        foreach (var p in _preFilter)
        {
            var s = p.PreFilter(state, pod, snapshot);
            if (s.Code == StatusCode.Skip)
            {
                state.SkipFilterPlugins.Add(p.Name);
            }
            else if (!s.IsSuccess)
            {
                result.PreFilterStatus = s.WithPlugin(p.Name);
                result.RejectingPlugins.Add(p.Name);
                return result;
            }
        }

        if (nominator is { Count: 0 })
        {
            nominator = null;
        }

        var nodes = snapshot.Nodes;
        var want = NumFeasibleNodesToFind(nodes.Count);
        var start = nodes.Count == 0 ? 0 : _nextStartNodeIndex % nodes.Count;
        var evaluated = 0;
        for (; evaluated < nodes.Count && result.Feasible.Count < want; evaluated++)
        {
            var node = nodes[(start + evaluated) % nodes.Count];
            var s = nominator is null ? RunFilters(state, pod, node) : RunFiltersWithNominatedPods(state, pod, node, nominator);
            if (s.IsSuccess)
            {
                result.Feasible.Add(node);
            }
            else
            {
                result.NodeStatuses[node.Name] = s;
                if (s.Plugin is { } plugin)
                {
                    result.RejectingPlugins.Add(plugin);
                }
            }
        }

        _nextStartNodeIndex = nodes.Count == 0 ? 0 : (start + evaluated) % nodes.Count;
        return result;
    }

    /// <summary>
    /// Filters the node with the nominated pods it must leave room for added, then (when any were added) without
    /// them too, as kube-scheduler does: a pod must fit both with them (resources) and without them (a nominated
    /// pod may never arrive, so it cannot satisfy an affinity term).
    /// </summary>
    public Status RunFiltersWithNominatedPods(CycleState state, PodInfo pod, NodeInfo node, Nominator nominator)
    {
        var nominated = nominator.ToRespect(pod, node.Name);
        if (nominated is null)
        {
            return RunFilters(state, pod, node);
        }

        var withNominated = node.Clone();
        CycleState? withNominatedState = null;
        foreach (var p in nominated)
        {
            if (withNominated.Pods.Exists(existing => existing.Uid == p.Uid))
            {
                continue;
            }

            withNominated.AddPod(p);
            foreach (var extension in _preFilterExtensions)
            {
                if (state.SkipFilterPlugins.Contains(extension.Name))
                {
                    continue;
                }

                withNominatedState ??= state.Clone();
                var added = extension.AddPod(withNominatedState, pod, p, withNominated);
                if (!added.IsSuccess)
                {
                    return added.WithPlugin(extension.Name);
                }
            }
        }

        var s = RunFilters(withNominatedState ?? state, pod, withNominated);
        return s.IsSuccess ? RunFilters(state, pod, node) : s;
    }

    /// <summary>Only the PreFilter plugins, for evaluating a hypothetical snapshot (preemption).</summary>
    public Status RunPreFilterOnly(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        foreach (var p in _preFilter)
        {
            var s = p.PreFilter(state, pod, snapshot);
            if (s.Code == StatusCode.Skip)
            {
                state.SkipFilterPlugins.Add(p.Name);
            }
            else if (!s.IsSuccess)
            {
                return s.WithPlugin(p.Name);
            }
        }

        return Status.Ok;
    }

    /// <summary>Runs every Filter on one node, stopping at the first rejection (kube-scheduler's RunFilterPlugins).</summary>
    public Status RunFilters(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var f in _filter)
        {
            if (state.SkipFilterPlugins.Contains(f.Name))
            {
                continue;
            }

            var s = f.Filter(state, pod, node);
            if (!s.IsSuccess)
            {
                return s.WithPlugin(f.Name);
            }
        }

        return Status.Ok;
    }

    /// <summary>PostFilter (preemption) when no node fits; the first plugin with a nominated node wins.</summary>
    public async Task<PostFilterResult?> RunPostFilterAsync(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyDictionary<string, Status> statuses, CancellationToken cancellationToken)
    {
        PostFilterResult? last = null;
        foreach (var p in _postFilter)
        {
            last = await p.PostFilterAsync(state, pod, snapshot, statuses, cancellationToken).ConfigureAwait(false);
            if (last.NominatedNodeName is not null)
            {
                return last;
            }
        }

        return last;
    }

    /// <summary>PreScore and Score over the feasible nodes; each plugin's scores normalized, weighted and summed.</summary>
    public ScoredNode[] Score(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> feasible, Snapshot snapshot)
    {
        foreach (var p in _preScore)
        {
            var s = p.PreScore(state, pod, feasible, snapshot);
            if (s.Code == StatusCode.Skip)
            {
                state.SkipScorePlugins.Add(p.Name);
            }
        }

        var totals = new long[feasible.Count];
        var scores = new long[feasible.Count];
        foreach (var (plugin, weight) in _score)
        {
            if (state.SkipScorePlugins.Contains(plugin.Name))
            {
                continue;
            }

            for (var i = 0; i < feasible.Count; i++)
            {
                scores[i] = plugin.Score(state, pod, feasible[i]);
            }

            plugin.NormalizeScores(state, pod, scores);
            for (var i = 0; i < feasible.Count; i++)
            {
                totals[i] += Math.Clamp(scores[i], 0, IScorePlugin.MaxScore) * weight;
            }
        }

        var result = new ScoredNode[feasible.Count];
        for (var i = 0; i < feasible.Count; i++)
        {
            result[i] = new ScoredNode(feasible[i], totals[i]);
        }

        return result;
    }

    /// <summary>The highest score; ties broken uniformly at random (kube-scheduler's selectHost reservoir sampling).</summary>
    public NodeInfo SelectHost(ScoredNode[] scored)
    {
        var best = scored[0];
        var ties = 1;
        for (var i = 1; i < scored.Length; i++)
        {
            if (scored[i].Score > best.Score)
            {
                best = scored[i];
                ties = 1;
            }
            else if (scored[i].Score == best.Score && _random.Next(++ties) == 0)
            {
                best = scored[i];
            }
        }

        return best.Node;
    }

    public Status RunReserve(CycleState state, PodInfo pod, string nodeName)
    {
        for (var i = 0; i < _reserve.Length; i++)
        {
            var s = _reserve[i].Reserve(state, pod, nodeName);
            if (!s.IsSuccess)
            {
                for (var j = i; j >= 0; j--)
                {
                    _reserve[j].Unreserve(state, pod, nodeName);
                }

                return s.WithPlugin(_reserve[i].Name);
            }
        }

        return Status.Ok;
    }

    public void RunUnreserve(CycleState state, PodInfo pod, string nodeName)
    {
        for (var i = _reserve.Length - 1; i >= 0; i--)
        {
            _reserve[i].Unreserve(state, pod, nodeName);
        }
    }

    /// <summary>
    /// Permit (scheduling cycle): Success, a rejection, or Wait, in which case the pod is parked as a
    /// <see cref="WaitingPod"/> for <see cref="WaitOnPermitAsync"/> with each waiting plugin's timeout (capped at 15 minutes).
    /// </summary>
    public Status RunPermit(CycleState state, PodInfo pod, string nodeName)
    {
        Dictionary<string, TimeSpan>? waits = null;
        foreach (var p in _permit)
        {
            var s = p.Permit(state, pod, nodeName, out var timeout);
            if (s.Code == StatusCode.Wait)
            {
                (waits ??= new(StringComparer.Ordinal))[p.Name] = timeout > IPermitPlugin.MaxTimeout ? IPermitPlugin.MaxTimeout : timeout;
            }
            else if (!s.IsSuccess)
            {
                return s.WithPlugin(p.Name);
            }
        }

        if (waits is null)
        {
            return Status.Ok;
        }

        _waiting[pod.Uid] = new WaitingPod(pod, nodeName, waits, _time);
        return new Status(StatusCode.Wait, []);
    }

    /// <summary>Binding cycle: completes when the waiting pod is allowed (Success) or rejected; Success at once for a pod not waiting.</summary>
    public async Task<Status> WaitOnPermitAsync(PodInfo pod, CancellationToken cancellationToken)
    {
        if (!_waiting.TryGetValue(pod.Uid, out var waiting))
        {
            return Status.Ok;
        }

        try
        {
            return await waiting.Result.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waiting.TryRemove(pod.Uid, out _);
            waiting.Dispose();
        }
    }

    /// <summary>A pod waiting at Permit, for plugins to allow or reject (kube-scheduler's GetWaitingPod).</summary>
    public WaitingPod? GetWaitingPod(string uid) => _waiting.GetValueOrDefault(uid);

    /// <summary>Every pod waiting at Permit (kube-scheduler's IterateOverWaitingPods).</summary>
    public IEnumerable<WaitingPod> WaitingPods => _waiting.Values;

    /// <summary>PreBind plugins in order; the first failure stops the binding cycle.</summary>
    public async Task<Status> RunPreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        foreach (var p in _preBind)
        {
            var s = await p.PreBindAsync(state, pod, nodeName, cancellationToken).ConfigureAwait(false);
            if (!s.IsSuccess)
            {
                return s.WithPlugin(p.Name);
            }
        }

        return Status.Ok;
    }

    /// <summary>Asks each bind plugin in turn until one does not Skip.</summary>
    public async Task<Status> RunBindAsync(PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        foreach (var b in _bind)
        {
            var s = await b.BindAsync(pod, nodeName, cancellationToken).ConfigureAwait(false);
            if (s.Code != StatusCode.Skip)
            {
                return s.WithPlugin(b.Name);
            }
        }

        return Status.Error("no bind plugin bound the pod");
    }
}
