using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.History;

namespace Skiff.Controllers.StatefulSet;

/// <summary>
/// Keeps a StatefulSet's ordinal pods, after kube-controller-manager's pkg/controller/statefulset: claims from the
/// volumeClaimTemplates before each pod, OrderedReady (one at a time, waiting for Running and Ready, removed in
/// reverse, halting on an unhealthy pod) or Parallel management, rolling update from the highest ordinal down to
/// the partition (or OnDelete), claim retention by owner references, and the revision history in ControllerRevisions.
/// Pod names are fixed, so a stale cache at worst produces an AlreadyExists, which counts as done.
/// </summary>
internal sealed partial class StatefulSetController : IController
{
    private readonly IInformer<V1StatefulSet> _sets;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1ControllerRevision> _revisions;
    private readonly IInformer<V1PersistentVolumeClaim> _claims;
    private readonly IResourceClient<V1StatefulSet> _setClient;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IResourceClient<V1ControllerRevision> _revisionClient;
    private readonly IResourceClient<V1PersistentVolumeClaim> _claimClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public StatefulSetController(
        IInformer<V1StatefulSet> sets,
        IInformer<V1Pod> pods,
        IInformer<V1ControllerRevision> revisions,
        IInformer<V1PersistentVolumeClaim> claims,
        IResourceClient<V1StatefulSet> setClient,
        IResourceClient<V1Pod> podClient,
        IResourceClient<V1ControllerRevision> revisionClient,
        IResourceClient<V1PersistentVolumeClaim> claimClient,
        IEventRecorder recorder,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _sets = sets;
        _pods = pods;
        _revisions = revisions;
        _claims = claims;
        _setClient = setClient;
        _podClient = podClient;
        _revisionClient = revisionClient;
        _claimClient = claimClient;
        _recorder = recorder;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;

        sets.AddEventHandler(new ResourceEventHandler<V1StatefulSet>(onAdd: Enqueue, onUpdate: (_, cur) => Enqueue(cur), onDelete: Enqueue));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(
            onAdd: PodChanged,
            onUpdate: (old, cur) =>
            {
                if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
                {
                    return;
                }

                if (ControllerOf(old) is { } oldOwner && Objects.ControllerOf(cur.Metadata)?.Uid != oldOwner.Metadata.Uid)
                {
                    Enqueue(oldOwner);
                }

                PodChanged(cur);
                if (ControllerOf(cur) is { Spec.MinReadySeconds: > 0 } set && !Pods.IsReady(old) && Pods.IsReady(cur))
                {
                    // Available only minReadySeconds later: look again then.
                    Queue.AddAfter(ObjectKey.Of(set), TimeSpan.FromSeconds(set.Spec.MinReadySeconds!.Value));
                }
            },
            onDelete: PodChanged));
        revisions.AddEventHandler(new ResourceEventHandler<V1ControllerRevision>(
            onAdd: EnqueueOwner,
            onUpdate: (_, cur) => EnqueueOwner(cur),
            onDelete: EnqueueOwner));
    }

    public string Name => "statefulset";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            _sets.WaitForSyncAsync(cancellationToken),
            _pods.WaitForSyncAsync(cancellationToken),
            _revisions.WaitForSyncAsync(cancellationToken),
            _claims.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(V1StatefulSet set) => Queue.Add(ObjectKey.Of(set));

    private void EnqueueOwner(V1ControllerRevision revision)
    {
        if (Objects.ResolveControllerRef(_sets.Indexer, revision.Metadata, "StatefulSet") is { } set)
        {
            Enqueue(set);
        }
    }

    private V1StatefulSet? ControllerOf(V1Pod pod) => Objects.ResolveControllerRef(_sets.Indexer, pod.Metadata, "StatefulSet");

    private void PodChanged(V1Pod pod)
    {
        if (Objects.ControllerOf(pod.Metadata) is not null)
        {
            if (ControllerOf(pod) is { } set)
            {
                Enqueue(set);
            }

            return;
        }

        // An orphan: a set whose selector and name it matches may adopt it.
        foreach (var set in _sets.Indexer.ListNamespace(pod.Metadata.NamespaceProperty))
        {
            if (StatefulPods.IsMemberOf(set, pod) && Selectors.Matches(set.Spec?.Selector, pod.Metadata.Labels))
            {
                Enqueue(set);
            }
        }
    }

    private async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _sets.Indexer.Get(key);
        if (cached is null || cached.Metadata.DeletionTimestamp is not null)
        {
            // Deleted: the garbage collector removes pods, revisions and (whenDeleted: Delete) claims by owner reference.
            return;
        }

        var set = Objects.Clone(cached);
        var ns = set.Metadata.NamespaceProperty;
        var revisions = await ControllerRefClaims.ClaimAsync(_revisionClient, set, "apps/v1", "StatefulSet", set.Spec?.Selector, _revisions.Indexer.ListNamespace(ns), cancellationToken).ConfigureAwait(false);
        var candidates = _pods.Indexer.ListNamespace(ns).Where(p => Objects.ControllerOf(p.Metadata) is not null || StatefulPods.IsMemberOf(set, p));
        var pods = await ControllerRefClaims.ClaimAsync(_podClient, set, "apps/v1", "StatefulSet", set.Spec?.Selector, candidates, cancellationToken).ConfigureAwait(false);

        var (current, update, collisionCount) = await RevisionsAsync(set, revisions, cancellationToken).ConfigureAwait(false);
        var status = await UpdateStatefulSetAsync(set, current, update, pods, cancellationToken).ConfigureAwait(false);
        status.CollisionCount = collisionCount;
        status.ObservedGeneration = set.Metadata.Generation;
        if (set.Spec?.UpdateStrategy?.Type != "OnDelete" && status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas)
        {
            // completeRollingUpdate: every pod runs the update revision, which becomes current.
            status.CurrentReplicas = status.UpdatedReplicas;
            status.CurrentRevision = status.UpdateRevision;
        }

        await UpdateStatusAsync(cached, status, cancellationToken).ConfigureAwait(false);
        await TruncateHistoryAsync(set, pods, revisions, status, cancellationToken).ConfigureAwait(false);

        var minReady = set.Spec?.MinReadySeconds ?? 0;
        if (minReady > 0 && status.ReadyReplicas != status.AvailableReplicas)
        {
            throw new RequeueAfterException(TimeSpan.FromSeconds(minReady));
        }
    }

    /// <summary>
    /// getStatefulSetRevisions: the update revision is the one equal to the current template (the newest revision
    /// as is, an older equal one renumbered to the newest, or a new one); the current revision is the one
    /// status.currentRevision names, or the update revision for a new set.
    /// </summary>
    internal async Task<(V1ControllerRevision Current, V1ControllerRevision Update, int? CollisionCount)> RevisionsAsync(V1StatefulSet set, List<V1ControllerRevision> revisions, CancellationToken cancellationToken)
    {
        var sorted = ControllerHistory.Sorted(revisions);
        var collisionCount = set.Status?.CollisionCount;
        var update = ControllerHistory.NewRevision(set, "apps/v1", "StatefulSet", set.Spec?.Template?.Metadata?.Labels, ControllerHistory.TemplatePatch(set.Spec?.Template), ControllerHistory.NextRevision(sorted));
        var equal = ControllerHistory.FindEqual(sorted, update);
        if (equal.Count > 0 && equal[^1].Metadata.Name == sorted[^1].Metadata.Name)
        {
            update = sorted[^1];
        }
        else if (equal.Count > 0)
        {
            update = await ControllerHistory.UpdateRevisionNumberAsync(_revisionClient, equal[^1], update.Revision ?? 0, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var needle = update;
            (update, collisionCount) = await ControllerHistory.CreateAsync(_revisionClient, set.Metadata.Name, needle, c => ControllerHistory.HashData(needle, c), collisionCount, cancellationToken).ConfigureAwait(false);
        }

        var current = sorted.FirstOrDefault(r => r.Metadata.Name == set.Status?.CurrentRevision) ?? update;
        return (current, update, collisionCount);
    }

    /// <summary>
    /// updateStatefulSet: counts the pods, then makes at most the progress the pod management policy allows:
    /// missing ordinals are created (claims first), failed ones deleted for recreation, ordinals beyond the
    /// replica range deleted from the highest down, then (RollingUpdate) the highest outdated ordinal at or above
    /// the partition is deleted, to be recreated from the update revision.
    /// </summary>
    internal async Task<V1StatefulSetStatus> UpdateStatefulSetAsync(V1StatefulSet set, V1ControllerRevision current, V1ControllerRevision update, List<V1Pod> pods, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var minReady = set.Spec?.MinReadySeconds ?? 0;
        var start = StatefulPods.StartOrdinal(set);
        var count = StatefulPods.Replicas(set);
        var monotonic = set.Spec?.PodManagementPolicy != "Parallel";
        var status = new V1StatefulSetStatus { CurrentRevision = current.Metadata.Name, UpdateRevision = update.Metadata.Name };
        foreach (var pod in pods)
        {
            status.Replicas++;
            if (StatefulPods.IsRunningAndReady(pod))
            {
                status.ReadyReplicas = (status.ReadyReplicas ?? 0) + 1;
                if (StatefulPods.IsRunningAndAvailable(pod, minReady, now))
                {
                    status.AvailableReplicas++;
                }
            }

            if (!StatefulPods.IsTerminating(pod))
            {
                CountRevision(status, pod, +1);
            }
        }

        var replicas = new V1Pod?[count];
        var condemned = new List<V1Pod>();
        foreach (var pod in pods)
        {
            var ordinal = StatefulPods.Ordinal(pod);
            if (ordinal >= start && ordinal < start + count)
            {
                replicas[ordinal - start] = pod;
            }
            else if (ordinal >= 0)
            {
                condemned.Add(pod);
            }
        }

        condemned.Sort((a, b) => StatefulPods.Ordinal(b).CompareTo(StatefulPods.Ordinal(a)));
        var currentTemplate = ControllerHistory.TemplateOf(current);
        var partition = set.Spec?.UpdateStrategy?.RollingUpdate?.Partition;
        for (var i = 0; i < count; i++)
        {
            if (replicas[i] is null)
            {
                // newVersionedStatefulSetPod: below the partition, a recreated pod keeps the current revision.
                var useCurrent = set.Spec?.UpdateStrategy?.Type != "OnDelete" && partition is { } p && i < p;
                replicas[i] = useCurrent
                    ? StatefulPods.NewPod(set, currentTemplate, start + i, current.Metadata.Name)
                    : StatefulPods.NewPod(set, set.Spec?.Template ?? new V1PodTemplateSpec(), start + i, update.Metadata.Name);
            }
        }

        V1Pod? firstUnhealthy = replicas.Concat(condemned).FirstOrDefault(p => !StatefulPods.IsHealthy(p!));

        var stop = false;
        for (var i = 0; i < count && !stop; i++)
        {
            var pod = replicas[i]!;
            if (StatefulPods.IsCreated(pod) && pod.Status?.Phase is "Failed" or "Succeeded")
            {
                // A finished pod is deleted; the next sync, once it is gone, creates it again.
                if (!StatefulPods.IsTerminating(pod))
                {
                    await DeletePodAsync(set, pod, cancellationToken).ConfigureAwait(false);
                    CountRevision(status, pod, -1);
                }

                stop = monotonic;
                continue;
            }

            if (!StatefulPods.IsCreated(pod))
            {
                if (await CreatePodAsync(set, pod, start + i, cancellationToken).ConfigureAwait(false))
                {
                    status.Replicas++;
                    CountRevision(status, pod, +1);
                }

                // OrderedReady: the next ordinal waits until this one is Running and Ready.
                stop = monotonic;
                continue;
            }

            if (monotonic && (StatefulPods.IsTerminating(pod) || !StatefulPods.IsRunningAndReady(pod) || !StatefulPods.IsRunningAndAvailable(pod, minReady, now)))
            {
                Log.Waiting(_logger, set.Metadata.NamespaceProperty, set.Metadata.Name, pod.Metadata.Name);
                stop = true;
                continue;
            }

            // The claims of a running pod are made again if someone deleted them (storage must match identity).
            await CreateClaimsAsync(set, pod, start + i, cancellationToken).ConfigureAwait(false);
            if (!StatefulPods.IdentityMatches(pod, start + i))
            {
                await RestoreIdentityAsync(set, pod, start + i, cancellationToken).ConfigureAwait(false);
            }
        }

        await UpdateClaimOwnersAsync(set, replicas.Where(p => StatefulPods.IsCreated(p!)).Select(p => p!), condemned, cancellationToken).ConfigureAwait(false);
        if (stop)
        {
            return status;
        }

        foreach (var pod in condemned)
        {
            if (StatefulPods.IsTerminating(pod))
            {
                if (monotonic)
                {
                    // Scale-down is one pod at a time: wait for this one to go.
                    return status;
                }

                continue;
            }

            if (monotonic && pod != firstUnhealthy && (!StatefulPods.IsRunningAndReady(pod) || !StatefulPods.IsRunningAndAvailable(pod, minReady, now)))
            {
                Log.Waiting(_logger, set.Metadata.NamespaceProperty, set.Metadata.Name, pod.Metadata.Name);
                return status;
            }

            await DeletePodAsync(set, pod, cancellationToken).ConfigureAwait(false);
            CountRevision(status, pod, -1);
            if (monotonic)
            {
                return status;
            }
        }

        if (set.Spec?.UpdateStrategy?.Type == "OnDelete")
        {
            return status;
        }

        // Rolling update: the highest ordinal not at the update revision is replaced, one at a time, down to the partition.
        for (var target = count - 1; target >= (partition ?? 0); target--)
        {
            var pod = replicas[target]!;
            if (StatefulPods.Revision(pod) != update.Metadata.Name && !StatefulPods.IsTerminating(pod))
            {
                Log.RollingUpdate(_logger, set.Metadata.NamespaceProperty, set.Metadata.Name, pod.Metadata.Name, update.Metadata.Name);
                await DeletePodAsync(set, pod, cancellationToken).ConfigureAwait(false);
                CountRevision(status, pod, -1);
                return status;
            }

            if (!StatefulPods.IsHealthy(pod))
            {
                return status;
            }
        }

        return status;
    }

    private static void CountRevision(V1StatefulSetStatus status, V1Pod pod, int delta)
    {
        var revision = StatefulPods.Revision(pod);
        if (revision == status.CurrentRevision)
        {
            status.CurrentReplicas = (status.CurrentReplicas ?? 0) + delta;
        }

        if (revision == status.UpdateRevision)
        {
            status.UpdatedReplicas = (status.UpdatedReplicas ?? 0) + delta;
        }
    }

    /// <summary>Creates the ordinal's claims, then the pod; false if the pod could not be created (a warning event says why).</summary>
    private async Task<bool> CreatePodAsync(V1StatefulSet set, V1Pod pod, int ordinal, CancellationToken cancellationToken)
    {
        if (!await CreateClaimsAsync(set, pod, ordinal, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            await _podClient.CreateAsync(pod, cancellationToken).ConfigureAwait(false);
            _recorder.Event(set, "Normal", "SuccessfulCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
            return true;
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            // The cache had not seen it yet.
            return false;
        }
        catch (ApiException ex) when (ex.IsNamespaceTerminating)
        {
            return false;
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            _recorder.Event(set, "Warning", "FailedCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {ex.Message}");
            throw;
        }
    }

    /// <summary>createPersistentVolumeClaims: every missing claim of the ordinal; false (with a warning event) if one cannot be made.</summary>
    private async Task<bool> CreateClaimsAsync(V1StatefulSet set, V1Pod pod, int ordinal, CancellationToken cancellationToken)
    {
        foreach (var claim in StatefulPods.Claims(set, ordinal))
        {
            var existing = _claims.Indexer.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
            if (existing is not null)
            {
                if (existing.Metadata.DeletionTimestamp is not null)
                {
                    // A pod must not start on a claim that is going away; wait for it to be gone and make it anew.
                    _recorder.Event(set, "Warning", "FailedCreate", $"create Claim {claim.Metadata.Name} for Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: the claim is being deleted");
                    return false;
                }

                continue;
            }

            claim.Metadata.OwnerReferences = StatefulPods.ClaimOwners(set, claim, null, scaledDown: false);
            if (claim.Metadata.OwnerReferences.Count == 0)
            {
                claim.Metadata.OwnerReferences = null;
            }

            try
            {
                await _claimClient.CreateAsync(claim, cancellationToken).ConfigureAwait(false);
                _recorder.Event(set, "Normal", "SuccessfulCreate", $"create Claim {claim.Metadata.Name} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} success");
            }
            catch (ApiException ex) when (ex.IsAlreadyExists)
            {
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                _recorder.Event(set, "Warning", "FailedCreate", $"create Claim {claim.Metadata.Name} for Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {ex.Message}");
                throw;
            }
        }

        return true;
    }

    /// <summary>UpdateStatefulPod for identity: puts back the pod-name and pod-index labels a user removed or changed.</summary>
    private async Task RestoreIdentityAsync(V1StatefulSet set, V1Pod pod, int ordinal, CancellationToken cancellationToken)
    {
        var patch = System.Text.Json.JsonSerializer.Serialize(new
        {
            metadata = new
            {
                labels = new Dictionary<string, string>
                {
                    [StatefulPods.PodNameLabel] = pod.Metadata.Name,
                    [StatefulPods.PodIndexLabel] = ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
                resourceVersion = pod.Metadata.ResourceVersion,
            },
        });
        try
        {
            await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, cancellationToken).ConfigureAwait(false);
            _recorder.Event(set, "Normal", "SuccessfulUpdate", $"update Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
            // Changed or gone meanwhile: the event it caused brings another sync.
        }
    }

    private async Task DeletePodAsync(V1StatefulSet set, V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await _podClient.DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
            _recorder.Event(set, "Normal", "SuccessfulDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            _recorder.Event(set, "Warning", "FailedDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {ex.Message}");
            throw;
        }
    }

    /// <summary>Brings the owner references of existing claims in line with the retention policy (condemned pods' claims follow whenScaled).</summary>
    private async Task UpdateClaimOwnersAsync(V1StatefulSet set, IEnumerable<V1Pod> replicas, List<V1Pod> condemned, CancellationToken cancellationToken)
    {
        if ((set.Spec?.VolumeClaimTemplates?.Count ?? 0) == 0)
        {
            return;
        }

        var work = replicas.Select(p => (Pod: p, ScaledDown: false)).Concat(condemned.Select(p => (Pod: p, ScaledDown: true)));
        foreach (var (pod, scaledDown) in work)
        {
            foreach (var template in StatefulPods.Claims(set, StatefulPods.Ordinal(pod)))
            {
                var claim = _claims.Indexer.Get(template.Metadata.NamespaceProperty, template.Metadata.Name);
                if (claim is null || claim.Metadata.DeletionTimestamp is not null)
                {
                    continue;
                }

                var wanted = StatefulPods.ClaimOwners(set, claim, pod, scaledDown);
                if (Objects.JsonEqual<IList<V1OwnerReference>>(claim.Metadata.OwnerReferences ?? [], wanted))
                {
                    continue;
                }

                try
                {
                    await _claimClient.PatchAsync(claim.Metadata.NamespaceProperty, claim.Metadata.Name, OwnerPatches.OwnerReferences(claim.Metadata, wanted), cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
                {
                }
            }
        }
    }

    /// <summary>truncateHistory: revisions neither current, nor the update, nor used by a pod, beyond revisionHistoryLimit, oldest first.</summary>
    private async Task TruncateHistoryAsync(V1StatefulSet set, List<V1Pod> pods, List<V1ControllerRevision> revisions, V1StatefulSetStatus status, CancellationToken cancellationToken)
    {
        var live = pods.Select(StatefulPods.Revision).ToHashSet();
        live.Add(status.CurrentRevision ?? "");
        live.Add(status.UpdateRevision ?? "");
        var history = revisions.Where(r => !live.Contains(r.Metadata.Name)).ToList();
        var limit = set.Spec?.RevisionHistoryLimit ?? 10;
        if (history.Count > limit)
        {
            await ControllerHistory.TruncateAsync(_revisionClient, history, _ => false, history.Count - limit, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpdateStatusAsync(V1StatefulSet cached, V1StatefulSetStatus status, CancellationToken cancellationToken)
    {
        status.Conditions = cached.Status?.Conditions;
        if (cached.Status is { } s && CanonicalJson.Of(Normalized(s)) == CanonicalJson.Of(Normalized(status)))
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
            var fresh = await _setClient.GetAsync(cached.Metadata.NamespaceProperty, cached.Metadata.Name, cancellationToken).ConfigureAwait(false);
            fresh.Status = status;
            await _setClient.UpdateAsync(fresh, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>Zero counts as absent (the API leaves out zero optional counts), so equal statuses compare equal.</summary>
    private static V1StatefulSetStatus Normalized(V1StatefulSetStatus s) => new()
    {
        Replicas = s.Replicas,
        ReadyReplicas = s.ReadyReplicas is 0 ? null : s.ReadyReplicas,
        CurrentReplicas = s.CurrentReplicas is 0 ? null : s.CurrentReplicas,
        UpdatedReplicas = s.UpdatedReplicas is 0 ? null : s.UpdatedReplicas,
        AvailableReplicas = s.AvailableReplicas,
        CurrentRevision = s.CurrentRevision,
        UpdateRevision = s.UpdateRevision,
        CollisionCount = s.CollisionCount,
        ObservedGeneration = s.ObservedGeneration,
        Conditions = s.Conditions,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "StatefulSetWaiting", Level = LogLevel.Debug, Message = "statefulset {Namespace}/{Name} is waiting for pod {Pod} to be Running, Ready and not terminating")]
        public static partial void Waiting(ILogger logger, string @namespace, string name, string pod);

        [LoggerMessage(EventId = 2, EventName = "StatefulSetRollingUpdate", Level = LogLevel.Information, Message = "statefulset {Namespace}/{Name}: terminating pod {Pod} for update to revision {Revision}")]
        public static partial void RollingUpdate(ILogger logger, string @namespace, string name, string pod, string revision);
    }
}
