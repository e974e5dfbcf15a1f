using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Expectations;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ReplicaSet;

/// <summary>
/// Keeps the number of pods of a ReplicaSet (or ReplicationController) at spec.replicas, after
/// kube-controller-manager's pkg/controller/replicaset: claims pods by selector with controller
/// ownerReferences (adopting orphans, releasing pods that no longer match), creates in slow-start batches,
/// deletes by rank, and records creates and deletes as expectations so a stale cache never doubles them.
/// </summary>
internal sealed class ReplicaSetController<T> : IController
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IReplicaOwnerAdapter<T> _adapter;
    private readonly IInformer<T> _owners;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IResourceClient<T> _ownerClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ReplicaSetControllerOptions _options;

    public ReplicaSetController(
        string name,
        IReplicaOwnerAdapter<T> adapter,
        IInformer<T> owners,
        IInformer<V1Pod> pods,
        IResourceClient<V1Pod> podClient,
        IResourceClient<T> ownerClient,
        IEventRecorder recorder,
        ReplicaSetControllerOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        Name = name;
        _adapter = adapter;
        _owners = owners;
        _pods = pods;
        _podClient = podClient;
        _ownerClient = ownerClient;
        _recorder = recorder;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Expectations = new ControllerExpectations(timeProvider);
        Sync = SyncAsync;

        owners.AddEventHandler(new ResourceEventHandler<T>(
            onAdd: Enqueue,
            // Every update is enqueued, resyncs included: a sync is cheap when nothing differs, and a missed
            // pod event (e.g. a failed create whose expectation expired) is then repaired within a resync.
            onUpdate: (_, cur) => Enqueue(cur),
            onDelete: o =>
            {
                Expectations.Delete(ObjectKey.Of(o));
                Enqueue(o);
            }));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(AddPod, UpdatePod, DeletePod));
    }

    public string Name { get; }

    public RateLimitingQueue<string> Queue { get; }

    public ControllerExpectations Expectations { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_owners.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(T owner) => Queue.Add(ObjectKey.Of(owner));

    private T? ControllerOf(V1Pod pod) => Objects.ResolveControllerRef(_owners.Indexer, pod.Metadata, _adapter.Resource.Kind);

    private IEnumerable<T> SelectingOwners(V1Pod pod) =>
        _owners.Indexer.ListNamespace(pod.Metadata.NamespaceProperty).Where(o => _adapter.Selects(o, pod.Metadata.Labels));

    private void AddPod(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // After a restart a pod may first be seen already terminating: count it as a deletion.
            DeletePod(pod);
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is not null)
        {
            if (ControllerOf(pod) is { } owner)
            {
                Expectations.CreationObserved(ObjectKey.Of(owner));
                Enqueue(owner);
            }

            return;
        }

        // An orphan: every owner that selects it may want to adopt it.
        foreach (var owner in SelectingOwners(pod))
        {
            Enqueue(owner);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            // A resync: the owners' own resync covers it.
            return;
        }

        var labelsChanged = !Objects.JsonEqual(old.Metadata.Labels, cur.Metadata.Labels);
        if (cur.Metadata.DeletionTimestamp is not null)
        {
            DeletePod(cur);
            if (labelsChanged)
            {
                DeletePod(old);
            }

            return;
        }

        var oldRef = Objects.ControllerOf(old.Metadata);
        var curRef = Objects.ControllerOf(cur.Metadata);
        if (oldRef is not null && oldRef.Uid != curRef?.Uid && ControllerOf(old) is { } oldOwner)
        {
            Enqueue(oldOwner);
        }

        if (curRef is not null)
        {
            if (ControllerOf(cur) is { } owner)
            {
                Enqueue(owner);
                var minReady = _adapter.MinReadySeconds(owner);
                if (minReady > 0 && !Pods.IsReady(old) && Pods.IsReady(cur))
                {
                    // Becomes available only minReadySeconds later: look again then.
                    Queue.AddAfter(ObjectKey.Of(owner), TimeSpan.FromSeconds(minReady));
                }
            }

            return;
        }

        if (labelsChanged || oldRef is not null)
        {
            foreach (var owner in SelectingOwners(cur))
            {
                Enqueue(owner);
            }
        }
    }

    private void DeletePod(V1Pod pod)
    {
        if (ControllerOf(pod) is { } owner)
        {
            var key = ObjectKey.Of(owner);
            Expectations.DeletionObserved(key, ObjectKey.Of(pod));
            Enqueue(owner);
        }
    }

    private async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var owner = _owners.Indexer.Get(key);
        if (owner is null)
        {
            Expectations.Delete(key);
            return;
        }

        var needsSync = Expectations.Satisfied(key);
        var ns = owner.Metadata.NamespaceProperty;
        var active = _pods.Indexer.ListNamespace(ns).Where(Pods.IsActive).ToList();
        var claimed = await ClaimPodsAsync(owner, active, cancellationToken).ConfigureAwait(false);

        Exception? manageError = null;
        string? failureReason = null;
        if (needsSync && owner.Metadata.DeletionTimestamp is null)
        {
            try
            {
                await ManageReplicasAsync(key, owner, claimed, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                manageError = ex;
                failureReason = claimed.Count < _adapter.Replicas(owner) ? "FailedCreate" : "FailedDelete";
            }
        }

        var now = _timeProvider.GetUtcNow();
        var minReady = _adapter.MinReadySeconds(owner);
        var templateLabels = _adapter.Template(owner)?.Metadata?.Labels ?? new Dictionary<string, string>();
        var status = new ReplicaStatus(
            claimed.Count,
            claimed.Count(p => templateLabels.All(l => p.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value)),
            claimed.Count(Pods.IsReady),
            claimed.Count(p => Pods.IsAvailable(p, minReady, now)),
            owner.Metadata.Generation ?? 0,
            failureReason,
            manageError?.Message);
        await UpdateStatusAsync(owner, status, cancellationToken).ConfigureAwait(false);

        if (manageError is not null)
        {
            throw manageError;
        }

        if (minReady > 0 && status.ReadyReplicas != status.AvailableReplicas)
        {
            throw new RequeueAfterException(TimeSpan.FromSeconds(minReady));
        }
    }

    /// <summary>
    /// kube-controller-manager's PodControllerRefManager.ClaimPods: keep pods we control that still match,
    /// adopt matching orphans (unless we are being deleted), release pods we control that no longer match.
    /// </summary>
    internal async Task<List<V1Pod>> ClaimPodsAsync(T owner, List<V1Pod> pods, CancellationToken cancellationToken)
    {
        var claimed = new List<V1Pod>();
        var uid = owner.Metadata.Uid;
        foreach (var pod in pods)
        {
            var controllerRef = Objects.ControllerOf(pod.Metadata);
            var matches = _adapter.Selects(owner, pod.Metadata.Labels);
            if (controllerRef is not null)
            {
                if (controllerRef.Uid != uid)
                {
                    continue;
                }

                if (matches)
                {
                    claimed.Add(pod);
                }
                else if (owner.Metadata.DeletionTimestamp is null)
                {
                    await ReleaseAsync(pod, uid, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (!matches || owner.Metadata.DeletionTimestamp is not null || pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var adopted = await AdoptAsync(owner, pod, cancellationToken).ConfigureAwait(false);
            if (adopted is not null)
            {
                claimed.Add(adopted);
            }
        }

        return claimed;
    }

    private async Task<V1Pod?> AdoptAsync(T owner, V1Pod pod, CancellationToken cancellationToken)
    {
        var refs = pod.Metadata.OwnerReferences?.ToList() ?? [];
        refs.Add(Objects.ControllerRef(owner, _adapter.Resource.ApiVersion, _adapter.Resource.Kind));
        try
        {
            return await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, OwnerPatches.OwnerReferences(pod.Metadata, refs), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict || ex.IsInvalid)
        {
            // Gone or changed under us: the next sync sees its new state.
            return null;
        }
    }

    private async Task ReleaseAsync(V1Pod pod, string uid, CancellationToken cancellationToken)
    {
        var refs = pod.Metadata.OwnerReferences?.Where(r => r.Uid != uid).ToList() ?? [];
        try
        {
            await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, OwnerPatches.OwnerReferences(pod.Metadata, refs), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict || ex.IsInvalid)
        {
        }
    }

    internal async Task ManageReplicasAsync(string key, T owner, List<V1Pod> pods, CancellationToken cancellationToken)
    {
        var diff = pods.Count - _adapter.Replicas(owner);
        if (diff < 0)
        {
            var count = Math.Min(-diff, _options.BurstReplicas);
            Expectations.ExpectCreations(key, count);
            var template = _adapter.Template(owner) ?? new V1PodTemplateSpec();
            var controllerRef = Objects.ControllerRef(owner, _adapter.Resource.ApiVersion, _adapter.Resource.Kind);
            var created = await SlowStartBatchAsync(count, async () =>
            {
                var pod = PodTemplates.NewPod(template, owner.Metadata.NamespaceProperty, owner.Metadata.Name, controllerRef);
                try
                {
                    var result = await _podClient.CreateAsync(pod, cancellationToken).ConfigureAwait(false);
                    _recorder.Event(owner, "Normal", "SuccessfulCreate", $"Created pod: {result.Metadata.Name}");
                }
                catch (ApiException ex) when (ex.IsNamespaceTerminating)
                {
                    // The namespace is going away; creating into it fails by design and is not an error.
                    Expectations.CreationSkipped(key);
                }
                catch (Exception ex) when (ex is ApiException or HttpRequestException)
                {
                    Expectations.CreationSkipped(key);
                    _recorder.Event(owner, "Warning", "FailedCreate", $"Error creating: {ex.Message}");
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);

            if (created.Skipped > 0)
            {
                // Pods never attempted will never be observed either.
                Expectations.CreationSkipped(key, created.Skipped);
            }

            if (created.Error is not null)
            {
                throw created.Error;
            }
        }
        else if (diff > 0)
        {
            var victims = PodDeletionRanking.PodsToDelete(pods, Math.Min(diff, _options.BurstReplicas));
            Expectations.ExpectDeletions(key, victims.Select(ObjectKey.Of));
            var errors = await Task.WhenAll(victims.Select(async pod =>
            {
                try
                {
                    await _podClient.DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
                    _recorder.Event(owner, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
                    return null;
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    // Already gone: the informer may have missed the delete, so do not wait for it.
                    Expectations.DeletionObserved(key, ObjectKey.Of(pod));
                    return null;
                }
                catch (Exception ex) when (ex is ApiException or HttpRequestException)
                {
                    Expectations.DeletionObserved(key, ObjectKey.Of(pod));
                    _recorder.Event(owner, "Warning", "FailedDelete", $"Error deleting: {ex.Message}");
                    return ex;
                }
            })).ConfigureAwait(false);
            if (errors.FirstOrDefault(e => e is not null) is { } error)
            {
                throw error;
            }
        }
    }

    /// <summary>
    /// kube-controller-manager's slowStartBatch: batches of 1, 2, 4, ... run in parallel; the first failing batch
    /// stops the rest, so a quota or admission error costs one call instead of hundreds.
    /// </summary>
    internal static async Task<(int Succeeded, int Skipped, Exception? Error)> SlowStartBatchAsync(int count, Func<Task> create, CancellationToken cancellationToken)
    {
        var succeeded = 0;
        var remaining = count;
        for (var batch = Math.Min(remaining, 1); batch > 0; batch = Math.Min(2 * batch, remaining))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tasks = Enumerable.Range(0, batch).Select(_ => Run(create)).ToArray();
            var results = await Task.WhenAll(tasks).ConfigureAwait(false);
            succeeded += results.Count(r => r is null);
            remaining -= batch;
            if (results.FirstOrDefault(r => r is not null) is { } error)
            {
                return (succeeded, remaining, error);
            }
        }

        return (succeeded, 0, null);

        static async Task<Exception?> Run(Func<Task> create)
        {
            try
            {
                await create().ConfigureAwait(false);
                return null;
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                return ex;
            }
        }
    }

    private async Task UpdateStatusAsync(T owner, ReplicaStatus status, CancellationToken cancellationToken)
    {
        if (_adapter.Status(owner) == status)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow().UtcDateTime;
        try
        {
            await _ownerClient.UpdateAsync(_adapter.WithStatus(owner, status, now), cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsConflict)
        {
            // One retry on a fresh copy, as updateReplicaSetStatus does; later changes bring another sync anyway.
            var fresh = await _ownerClient.GetAsync(owner.Metadata.NamespaceProperty, owner.Metadata.Name, cancellationToken).ConfigureAwait(false);
            await _ownerClient.UpdateAsync(_adapter.WithStatus(fresh, status, now), cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }
}
