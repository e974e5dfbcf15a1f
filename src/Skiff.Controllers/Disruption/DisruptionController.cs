using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Policy;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Disruption;

/// <summary>
/// The disruption controller, after kube-controller-manager's (pkg/controller/disruption): for every
/// PodDisruptionBudget it finds the pods its selector picks, the number of pods their controllers want
/// (ReplicaSet — or the Deployment owning it —, ReplicationController, StatefulSet), the healthy ones, and writes
/// status: expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed, observedGeneration, the still pending
/// disruptedPods (an eviction not followed by the pod's deletion within two minutes expires) and the
/// DisruptionAllowed condition (SufficientPods, InsufficientPods, or SyncFailed when the scale cannot be found).
/// </summary>
internal sealed partial class DisruptionController : IController
{
    private readonly IInformer<V1PodDisruptionBudget> _budgets;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1ReplicaSet> _replicaSets;
    private readonly IInformer<V1Deployment> _deployments;
    private readonly IInformer<V1ReplicationController> _replicationControllers;
    private readonly IInformer<V1StatefulSet> _statefulSets;
    private readonly IResourceClient<V1PodDisruptionBudget> _client;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public DisruptionController(IInformer<V1PodDisruptionBudget> budgets, IInformer<V1Pod> pods, IInformer<V1ReplicaSet> replicaSets, IInformer<V1Deployment> deployments,
        IInformer<V1ReplicationController> replicationControllers, IInformer<V1StatefulSet> statefulSets, IResourceClient<V1PodDisruptionBudget> client,
        TimeProvider timeProvider, ILogger logger)
    {
        _budgets = budgets;
        _pods = pods;
        _replicaSets = replicaSets;
        _deployments = deployments;
        _replicationControllers = replicationControllers;
        _statefulSets = statefulSets;
        _client = client;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        budgets.AddEventHandler(new ResourceEventHandler<V1PodDisruptionBudget>(b => Queue.Add(ObjectKey.Of(b)), (_, b) => Queue.Add(ObjectKey.Of(b)), b => Queue.Add(ObjectKey.Of(b))));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(
            EnqueueBudgetsOf,
            (old, cur) =>
            {
                EnqueueBudgetsOf(cur);
                if (!Objects.JsonEqual(old.Metadata.Labels, cur.Metadata.Labels))
                {
                    EnqueueBudgetsOf(old);
                }
            },
            EnqueueBudgetsOf));
    }

    public string Name => "disruption";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        foreach (var wait in new[] { _budgets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken), _replicaSets.WaitForSyncAsync(cancellationToken),
                     _deployments.WaitForSyncAsync(cancellationToken), _replicationControllers.WaitForSyncAsync(cancellationToken), _statefulSets.WaitForSyncAsync(cancellationToken) })
        {
            await wait.ConfigureAwait(false);
        }

        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueBudgetsOf(V1Pod pod)
    {
        foreach (var pdb in _budgets.Indexer.ListNamespace(pod.Metadata.NamespaceProperty ?? string.Empty))
        {
            if (Selectors.Matches(pdb.Spec?.Selector, pod.Metadata.Labels))
            {
                Queue.Add(ObjectKey.Of(pdb));
            }
        }
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _budgets.Indexer.Get(key);
        if (cached is null)
        {
            return;
        }

        var pdb = Objects.Clone(cached);
        var now = _timeProvider.GetUtcNow();
        var pods = _pods.Indexer.ListNamespace(pdb.Metadata.NamespaceProperty).Where(p => Selectors.Matches(pdb.Spec?.Selector, p.Metadata.Labels)).ToList();
        int expected, desired;
        try
        {
            (expected, desired) = BudgetMath.Expected(pdb.Spec ?? new V1PodDisruptionBudgetSpec(), pods.Count, () => ExpectedScale(pods));
        }
        catch (InvalidOperationException ex)
        {
            // failSafe: no disruption is allowed while the budget cannot be computed.
            Log.SyncFailed(_logger, key, ex.Message);
            var status = pdb.Status ??= new V1PodDisruptionBudgetStatus();
            status.DisruptionsAllowed = 0;
            DisruptionAllowedCondition.Set(pdb, "False", "SyncFailed", ex.Message, now.UtcDateTime);
            await WriteAsync(cached, pdb, cancellationToken).ConfigureAwait(false);
            return;
        }

        var (disrupted, recheck) = BudgetMath.DisruptedPods(pdb, pods, now);
        var healthy = BudgetMath.Healthy(pods, disrupted);
        pdb.Status = new V1PodDisruptionBudgetStatus
        {
            CurrentHealthy = healthy,
            DesiredHealthy = desired,
            ExpectedPods = expected,
            DisruptionsAllowed = BudgetMath.Allowed(healthy, desired, expected),
            DisruptedPods = disrupted.Count > 0 ? disrupted : null,
            ObservedGeneration = pdb.Metadata.Generation,
            Conditions = cached.Status?.Conditions?.Select(Objects.Clone).ToList(),
        };
        DisruptionAllowedCondition.Update(pdb, now.UtcDateTime);
        await WriteAsync(cached, pdb, cancellationToken).ConfigureAwait(false);
        if (recheck is { } at)
        {
            throw new RequeueAfterException(at - now);
        }
    }

    private async Task WriteAsync(V1PodDisruptionBudget cached, V1PodDisruptionBudget pdb, CancellationToken cancellationToken)
    {
        if (Objects.JsonEqual(cached.Status, pdb.Status))
        {
            return;
        }

        try
        {
            await _client.UpdateAsync(pdb, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>
    /// getExpectedScale: the summed desired replicas of the pods' controllers, each counted once; a pod whose
    /// controller is unknown makes the budget fail safe.
    /// </summary>
    private int ExpectedScale(List<V1Pod> pods)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var total = 0;
        foreach (var pod in pods)
        {
            var owner = Objects.ControllerOf(pod.Metadata);
            if (owner is null)
            {
                continue;
            }

            var (uid, scale) = ControllerScale(pod.Metadata.NamespaceProperty, owner)
                ?? throw new InvalidOperationException($"found no controllers for pod \"{pod.Metadata.Name}\"");
            if (seen.Add(uid))
            {
                total += scale;
            }
        }

        return total;
    }

    /// <summary>The finders of the disruption controller: ReplicaSet (or its Deployment), ReplicationController, StatefulSet.</summary>
    private (string Uid, int Scale)? ControllerScale(string ns, V1OwnerReference owner)
    {
        switch (owner.Kind)
        {
            case "ReplicaSet" when _replicaSets.Indexer.Get(ns, owner.Name) is { } rs && rs.Metadata.Uid == owner.Uid:
                if (Objects.ResolveControllerRef(_deployments.Indexer, rs.Metadata, "Deployment") is { } d)
                {
                    return (d.Metadata.Uid, d.Spec?.Replicas ?? 1);
                }

                return (rs.Metadata.Uid, rs.Spec?.Replicas ?? 1);
            case "ReplicationController" when _replicationControllers.Indexer.Get(ns, owner.Name) is { } rc && rc.Metadata.Uid == owner.Uid:
                return (rc.Metadata.Uid, rc.Spec?.Replicas ?? 1);
            case "StatefulSet" when _statefulSets.Indexer.Get(ns, owner.Name) is { } sts && sts.Metadata.Uid == owner.Uid:
                return (sts.Metadata.Uid, sts.Spec?.Replicas ?? 1);
            default:
                return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "BudgetSyncFailed", Level = LogLevel.Warning, Message = "pod disruption budget {Key}: {Error}; no disruption allowed until resolved")]
        public static partial void SyncFailed(ILogger logger, string key, string error);
    }
}
