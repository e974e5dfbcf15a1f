using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Expectations;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.Deployment;
using Skiff.Controllers.History;
using Skiff.Controllers.ReplicaSet;

namespace Skiff.Controllers.DaemonSet;

/// <summary>
/// Runs one pod of a DaemonSet on every eligible node, after kube-controller-manager's pkg/controller/daemon:
/// pods are pinned to their node with required node affinity (the scheduler binds them), follow nodes as they come,
/// change and go, roll to a new template with maxUnavailable/maxSurge (or wait for deletion under OnDelete), and keep
/// their template history as ControllerRevisions for <c>kubectl rollout history/undo</c>.
/// </summary>
internal sealed partial class DaemonSetController : IController
{
    /// <summary>kube-controller-manager's BurstReplicas: the most pods created or deleted in one sync.</summary>
    private const int BurstReplicas = 250;

    private readonly IInformer<V1DaemonSet> _sets;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Node> _nodes;
    private readonly IInformer<V1ControllerRevision> _revisions;
    private readonly IResourceClient<V1DaemonSet> _setClient;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IResourceClient<V1ControllerRevision> _revisionClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public DaemonSetController(
        IInformer<V1DaemonSet> sets,
        IInformer<V1Pod> pods,
        IInformer<V1Node> nodes,
        IInformer<V1ControllerRevision> revisions,
        IResourceClient<V1DaemonSet> setClient,
        IResourceClient<V1Pod> podClient,
        IResourceClient<V1ControllerRevision> revisionClient,
        IEventRecorder recorder,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _sets = sets;
        _pods = pods;
        _nodes = nodes;
        _revisions = revisions;
        _setClient = setClient;
        _podClient = podClient;
        _revisionClient = revisionClient;
        _recorder = recorder;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Expectations = new ControllerExpectations(timeProvider);
        Backoff = new FailedPodBackoff(timeProvider);
        Sync = SyncAsync;

        sets.AddEventHandler(new ResourceEventHandler<V1DaemonSet>(
            onAdd: Enqueue,
            onUpdate: (_, cur) => Enqueue(cur),
            onDelete: ds =>
            {
                Expectations.Delete(ObjectKey.Of(ds));
                Enqueue(ds);
            }));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(AddPod, UpdatePod, DeletePod));
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(
            onAdd: _ => EnqueueAll(),
            onUpdate: (old, cur) =>
            {
                // Only what decides eligibility matters: labels, taints, and (through them) readiness.
                if (!Objects.JsonEqual(old.Metadata.Labels, cur.Metadata.Labels) || !Objects.JsonEqual(old.Spec?.Taints, cur.Spec?.Taints))
                {
                    EnqueueAll();
                }
            },
            onDelete: _ => EnqueueAll()));
        revisions.AddEventHandler(new ResourceEventHandler<V1ControllerRevision>(
            onAdd: EnqueueOwner,
            onUpdate: (_, cur) => EnqueueOwner(cur),
            onDelete: EnqueueOwner));
    }

    public string Name => "daemonset";

    public RateLimitingQueue<string> Queue { get; }

    public ControllerExpectations Expectations { get; }

    /// <summary>Backoff for replacing failed pods, per DaemonSet and node.</summary>
    public FailedPodBackoff Backoff { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            _sets.WaitForSyncAsync(cancellationToken),
            _pods.WaitForSyncAsync(cancellationToken),
            _nodes.WaitForSyncAsync(cancellationToken),
            _revisions.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        var gc = Task.Run(() => CollectBackoffAsync(cancellationToken), CancellationToken.None);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
        await gc.ConfigureAwait(false);
    }

    private async Task CollectBackoffAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMinutes(1), _timeProvider, cancellationToken).ConfigureAwait(false);
                Backoff.Gc();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Enqueue(V1DaemonSet ds) => Queue.Add(ObjectKey.Of(ds));

    private void EnqueueAll()
    {
        foreach (var ds in _sets.Indexer.List())
        {
            Enqueue(ds);
        }
    }

    private void EnqueueOwner(V1ControllerRevision revision)
    {
        if (Objects.ResolveControllerRef(_sets.Indexer, revision.Metadata, "DaemonSet") is { } ds)
        {
            Enqueue(ds);
        }
    }

    private V1DaemonSet? ControllerOf(V1Pod pod) => Objects.ResolveControllerRef(_sets.Indexer, pod.Metadata, "DaemonSet");

    private void AddPod(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(pod);
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is not null)
        {
            if (ControllerOf(pod) is { } ds)
            {
                Expectations.CreationObserved(ObjectKey.Of(ds));
                Enqueue(ds);
            }

            return;
        }

        foreach (var ds in _sets.Indexer.ListNamespace(pod.Metadata.NamespaceProperty).Where(d => Selectors.Matches(d.Spec?.Selector, pod.Metadata.Labels)))
        {
            Enqueue(ds);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return;
        }

        if (cur.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(cur);
            return;
        }

        if (ControllerOf(old) is { } oldOwner && Objects.ControllerOf(cur.Metadata)?.Uid != oldOwner.Metadata.Uid)
        {
            Enqueue(oldOwner);
        }

        if (ControllerOf(cur) is { } ds)
        {
            Enqueue(ds);
            var minReady = ds.Spec?.MinReadySeconds ?? 0;
            if (minReady > 0 && !Pods.IsReady(old) && Pods.IsReady(cur))
            {
                Queue.AddAfter(ObjectKey.Of(ds), TimeSpan.FromSeconds(minReady));
            }

            return;
        }

        if (Objects.ControllerOf(cur.Metadata) is null)
        {
            AddPod(cur);
        }
    }

    private void DeletePod(V1Pod pod)
    {
        if (ControllerOf(pod) is { } ds)
        {
            Expectations.DeletionObserved(ObjectKey.Of(ds), ObjectKey.Of(pod));
            Enqueue(ds);
        }
    }

    private async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _sets.Indexer.Get(key);
        if (cached is null)
        {
            Expectations.Delete(key);
            return;
        }

        if (cached.Metadata.DeletionTimestamp is not null)
        {
            // The garbage collector removes the pods and revisions through their owner references.
            return;
        }

        var ds = Objects.Clone(cached);
        var nodes = _nodes.Indexer.List();
        var (current, old, collisionCount) = await ConstructHistoryAsync(ds, cancellationToken).ConfigureAwait(false);
        var hash = ControllerHistory.HashLabel(current.Metadata) ?? DeploymentUtil.ComputeHash(ds.Spec?.Template ?? new V1PodTemplateSpec(), collisionCount);
        ds.Status ??= new V1DaemonSetStatus();
        ds.Status.CollisionCount = collisionCount;

        // Read before the pods: a create observed between reading a stale cache and this check must not pass as
        // satisfied for that stale list, or the node would get a second pod.
        var needsSync = Expectations.Satisfied(key);
        var now = _timeProvider.GetUtcNow();
        var claimed = await ControllerRefClaims.ClaimAsync(_podClient, ds, "apps/v1", "DaemonSet", ds.Spec?.Selector, _pods.Indexer.ListNamespace(ds.Metadata.NamespaceProperty), cancellationToken).ConfigureAwait(false);
        var nodeToPods = DaemonSetPlanner.NodeToPods(claimed);

        Exception? error = null;
        if (needsSync)
        {
            var plan = DaemonSetPlanner.Manage(ds, nodes, nodeToPods, hash, now);
            if (plan.IsEmpty && ds.Spec?.UpdateStrategy?.Type != "OnDelete")
            {
                plan = DaemonSetPlanner.RollingUpdate(ds, nodes, new Dictionary<string, List<V1Pod>>(nodeToPods), hash, now);
            }

            var backoff = TimeSpan.Zero;
            foreach (var pod in plan.FailedPods)
            {
                var node = DaemonPods.TargetNode(pod) ?? "";
                var backoffKey = FailedPodBackoff.Key(key, node);
                var remaining = Backoff.Remaining(backoffKey);
                if (remaining > TimeSpan.Zero)
                {
                    backoff = backoff == TimeSpan.Zero || remaining < backoff ? remaining : backoff;
                    continue;
                }

                Backoff.Next(backoffKey);
                _recorder.Event(ds, "Warning", "FailedDaemonPod", $"Found failed daemon pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} on node {node}, will try to kill it");
                plan.PodsToDelete.Add(pod);
            }

            if (backoff > TimeSpan.Zero)
            {
                Queue.AddAfter(key, backoff);
            }

            error = await SyncNodesAsync(key, ds, plan, hash, cancellationToken).ConfigureAwait(false);
            await CleanupHistoryAsync(ds, old, claimed, cancellationToken).ConfigureAwait(false);
        }

        var status = DaemonSetPlanner.Status(ds, nodes, nodeToPods, hash, now);
        await UpdateStatusAsync(cached, status, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw error;
        }

        var minReady = ds.Spec?.MinReadySeconds ?? 0;
        if (minReady > 0 && status.NumberReady != status.NumberAvailable)
        {
            throw new RequeueAfterException(TimeSpan.FromSeconds(minReady));
        }
    }

    /// <summary>
    /// constructHistory: the revision whose data equals the current template (created if none does, renumbered to
    /// the newest if an older one does, as after a rollback) and the others.
    /// </summary>
    internal async Task<(V1ControllerRevision Current, List<V1ControllerRevision> Old, int? CollisionCount)> ConstructHistoryAsync(V1DaemonSet ds, CancellationToken cancellationToken)
    {
        var claimed = await ControllerRefClaims.ClaimAsync(_revisionClient, ds, "apps/v1", "DaemonSet", ds.Spec?.Selector, _revisions.Indexer.ListNamespace(ds.Metadata.NamespaceProperty), cancellationToken).ConfigureAwait(false);
        var template = ds.Spec?.Template ?? new V1PodTemplateSpec();
        var needle = ControllerHistory.NewRevision(ds, "apps/v1", "DaemonSet", template.Metadata?.Labels, ControllerHistory.TemplatePatch(template), 0);
        var equal = ControllerHistory.Sorted(claimed.Where(r => ControllerHistory.DataEqual(r, needle)));
        var collisionCount = ds.Status?.CollisionCount;
        V1ControllerRevision current;
        if (equal.Count == 0)
        {
            needle.Revision = ControllerHistory.NextRevision(claimed);
            (current, collisionCount) = await ControllerHistory.CreateAsync(_revisionClient, ds.Metadata.Name, needle, c => DeploymentUtil.ComputeHash(template, c), collisionCount, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            current = equal[^1];
            var next = ControllerHistory.NextRevision(claimed.Where(r => r.Metadata.Uid != current.Metadata.Uid));
            if (current.Revision < next)
            {
                current = await ControllerHistory.UpdateRevisionNumberAsync(_revisionClient, current, next, cancellationToken).ConfigureAwait(false);
            }
        }

        var old = claimed.Where(r => r.Metadata.Name != current.Metadata.Name).ToList();
        return (current, old, collisionCount);
    }

    /// <summary>cleanupHistory: old revisions beyond revisionHistoryLimit go, oldest first, unless a pod still runs them.</summary>
    private async Task CleanupHistoryAsync(V1DaemonSet ds, List<V1ControllerRevision> old, List<V1Pod> pods, CancellationToken cancellationToken)
    {
        var limit = ds.Spec?.RevisionHistoryLimit ?? 10;
        if (old.Count <= limit)
        {
            return;
        }

        var live = pods.Select(p => ControllerHistory.HashLabel(p.Metadata)).Where(h => h is not null).ToHashSet();
        await ControllerHistory.TruncateAsync(_revisionClient, old, r => live.Contains(ControllerHistory.HashLabel(r.Metadata)), old.Count - limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>syncNodes: creates the missing pods in slow-start batches and deletes the condemned ones, with expectations for both.</summary>
    private async Task<Exception?> SyncNodesAsync(string key, V1DaemonSet ds, DaemonSetPlan plan, string hash, CancellationToken cancellationToken)
    {
        var nodes = plan.NodesNeedingPods.Take(BurstReplicas).ToList();
        var victims = plan.PodsToDelete.DistinctBy(p => p.Metadata.Uid).Take(BurstReplicas).ToList();
        if (nodes.Count == 0 && victims.Count == 0)
        {
            return null;
        }

        Expectations.Expect(key, nodes.Count, victims.Select(ObjectKey.Of));
        Exception? error = null;
        var next = -1;
        var created = await ReplicaSetController<V1ReplicaSet>.SlowStartBatchAsync(nodes.Count, async () =>
        {
            var node = nodes[Interlocked.Increment(ref next)];
            try
            {
                var pod = await _podClient.CreateAsync(DaemonPods.NewPod(ds, node, hash), cancellationToken).ConfigureAwait(false);
                _recorder.Event(ds, "Normal", "SuccessfulCreate", $"Created pod: {pod.Metadata.Name}");
            }
            catch (ApiException ex) when (ex.IsNamespaceTerminating)
            {
                Expectations.CreationSkipped(key);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Expectations.CreationSkipped(key);
                _recorder.Event(ds, "Warning", "FailedCreate", $"Error creating: {ex.Message}");
                Log.CreateFailed(_logger, key, node, ex.Message);
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (created.Skipped > 0)
        {
            Expectations.CreationSkipped(key, created.Skipped);
        }

        error = created.Error;
        foreach (var pod in victims)
        {
            try
            {
                await _podClient.DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
                _recorder.Event(ds, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
            }
            catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Already gone (or replaced under the same name): the informer may have missed it.
                Expectations.DeletionObserved(key, ObjectKey.Of(pod));
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Expectations.DeletionObserved(key, ObjectKey.Of(pod));
                _recorder.Event(ds, "Warning", "FailedDelete", $"Error deleting: {ex.Message}");
                error ??= ex;
            }
        }

        return error;
    }

    private async Task UpdateStatusAsync(V1DaemonSet cached, V1DaemonSetStatus status, CancellationToken cancellationToken)
    {
        if (cached.Status is { } s &&
            s.DesiredNumberScheduled == status.DesiredNumberScheduled && s.CurrentNumberScheduled == status.CurrentNumberScheduled &&
            s.NumberMisscheduled == status.NumberMisscheduled && s.NumberReady == status.NumberReady &&
            (s.NumberAvailable ?? 0) == status.NumberAvailable && (s.UpdatedNumberScheduled ?? 0) == status.UpdatedNumberScheduled &&
            (s.NumberUnavailable ?? 0) == status.NumberUnavailable && s.ObservedGeneration == status.ObservedGeneration &&
            s.CollisionCount == status.CollisionCount)
        {
            return;
        }

        var copy = Objects.Clone(cached);
        copy.Status = status;
        try
        {
            await _setClient.UpdateAsync(copy, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsConflict)
        {
            // One retry on a fresh copy, as storeDaemonSetStatus does; the next sync corrects anything else.
            var fresh = await _setClient.GetAsync(cached.Metadata.NamespaceProperty, cached.Metadata.Name, cancellationToken).ConfigureAwait(false);
            status.ObservedGeneration = Math.Min(status.ObservedGeneration ?? 0, fresh.Metadata.Generation ?? 0);
            fresh.Status = status;
            await _setClient.UpdateAsync(fresh, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "DaemonPodCreateFailed", Level = LogLevel.Warning, Message = "daemonset {Key}: creating the pod for node {Node} failed: {Error}")]
        public static partial void CreateFailed(ILogger logger, string key, string node, string error);
    }
}
