using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Deployment;

/// <summary>
/// Rolls Deployments out through ReplicaSets, after kube-controller-manager's pkg/controller/deployment:
/// the ReplicaSet whose template matches is the new one (named by pod-template-hash, numbered by the
/// deployment.kubernetes.io/revision annotation); RollingUpdate grows it and shrinks the old ones within
/// maxSurge/maxUnavailable, Recreate scales the old ones to zero first; Progressing and Available conditions,
/// progressDeadlineSeconds, paused, proportional scaling and revisionHistoryLimit follow the same rules.
/// A rollback (kubectl rollout undo) patches the template back, which makes an old ReplicaSet new again.
/// </summary>
internal sealed class DeploymentController : IController
{
    private readonly IInformer<V1Deployment> _deployments;
    private readonly IInformer<V1ReplicaSet> _replicaSets;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V1Deployment> _deploymentClient;
    private readonly IResourceClient<V1ReplicaSet> _rsClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public DeploymentController(
        IInformer<V1Deployment> deployments,
        IInformer<V1ReplicaSet> replicaSets,
        IInformer<V1Pod> pods,
        IResourceClient<V1Deployment> deploymentClient,
        IResourceClient<V1ReplicaSet> rsClient,
        IEventRecorder recorder,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _deployments = deployments;
        _replicaSets = replicaSets;
        _pods = pods;
        _deploymentClient = deploymentClient;
        _rsClient = rsClient;
        _recorder = recorder;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;

        pods.Indexer.AddIndex(Indexers.OwnerUid, Indexers.ByOwnerUid);
        deployments.AddEventHandler(new ResourceEventHandler<V1Deployment>(Enqueue, (_, cur) => Enqueue(cur), Enqueue));
        replicaSets.AddEventHandler(new ResourceEventHandler<V1ReplicaSet>(OnReplicaSet, OnReplicaSetUpdate, OnReplicaSet));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(onDelete: OnPodDeleted));
    }

    public string Name => "deployment";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_deployments.WaitForSyncAsync(cancellationToken), _replicaSets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(V1Deployment d) => Queue.Add(ObjectKey.Of(d));

    private V1Deployment? OwnerOf(V1ReplicaSet rs) => Objects.ResolveControllerRef(_deployments.Indexer, rs.Metadata, "Deployment");

    private void OnReplicaSet(V1ReplicaSet rs)
    {
        if (Objects.ControllerOf(rs.Metadata) is not null)
        {
            if (OwnerOf(rs) is { } d)
            {
                Enqueue(d);
            }

            return;
        }

        foreach (var d in _deployments.Indexer.ListNamespace(rs.Metadata.NamespaceProperty).Where(d => Selectors.Matches(d.Spec?.Selector, rs.Metadata.Labels)))
        {
            Enqueue(d);
        }
    }

    private void OnReplicaSetUpdate(V1ReplicaSet old, V1ReplicaSet cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return;
        }

        var oldRef = Objects.ControllerOf(old.Metadata);
        if (oldRef is not null && oldRef.Uid != Objects.ControllerOf(cur.Metadata)?.Uid && OwnerOf(old) is { } previous)
        {
            Enqueue(previous);
        }

        OnReplicaSet(cur);
    }

    private void OnPodDeleted(V1Pod pod)
    {
        // Only Recreate waits for pods: it starts the new ReplicaSet once every old pod is gone.
        var r = Objects.ControllerOf(pod.Metadata);
        if (r is null || r.Kind != "ReplicaSet")
        {
            return;
        }

        var rs = _replicaSets.Indexer.Get(pod.Metadata.NamespaceProperty, r.Name);
        if (rs is not null && OwnerOf(rs) is { } d && DeploymentUtil.IsRecreate(d))
        {
            Enqueue(d);
        }
    }

    private DateTime Now => _timeProvider.GetUtcNow().UtcDateTime;

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _deployments.Indexer.Get(key);
        if (cached is null)
        {
            return;
        }

        var d = Objects.Clone(cached);
        d.Status ??= new V1DeploymentStatus();
        if (Selectors.IsEmpty(d.Spec?.Selector))
        {
            _recorder.Event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return;
        }

        var rsList = await ClaimReplicaSetsAsync(d, cancellationToken).ConfigureAwait(false);
        if (d.Metadata.DeletionTimestamp is not null)
        {
            var (n, o) = await AllReplicaSetsAsync(d, rsList, create: false, cancellationToken).ConfigureAwait(false);
            await SyncStatusAsync(d, n, o, cancellationToken).ConfigureAwait(false);
            return;
        }

        await CheckPausedConditionsAsync(d, cancellationToken).ConfigureAwait(false);
        if (d.Spec?.Paused == true || IsScalingEvent(d, rsList))
        {
            await SyncScaleAsync(d, rsList, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (DeploymentUtil.IsRecreate(d))
        {
            await RolloutRecreateAsync(d, rsList, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RolloutRollingAsync(d, rsList, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Claims ReplicaSets by selector with controller references, as the ReplicaSet controller claims pods.</summary>
    private async Task<List<V1ReplicaSet>> ClaimReplicaSetsAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        var claimed = new List<V1ReplicaSet>();
        foreach (var rs in _replicaSets.Indexer.ListNamespace(d.Metadata.NamespaceProperty))
        {
            var r = Objects.ControllerOf(rs.Metadata);
            var matches = Selectors.Matches(d.Spec?.Selector, rs.Metadata.Labels);
            if (r is not null)
            {
                if (r.Uid != d.Metadata.Uid)
                {
                    continue;
                }

                if (matches)
                {
                    claimed.Add(rs);
                }
                else if (d.Metadata.DeletionTimestamp is null)
                {
                    var rest = (rs.Metadata.OwnerReferences ?? []).Where(o => o.Uid != d.Metadata.Uid).ToList();
                    await PatchOwnersAsync(rs, rest, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (matches && d.Metadata.DeletionTimestamp is null && rs.Metadata.DeletionTimestamp is null)
            {
                var refs = rs.Metadata.OwnerReferences?.ToList() ?? [];
                refs.Add(Objects.ControllerRef(d, "apps/v1", "Deployment"));
                if (await PatchOwnersAsync(rs, refs, cancellationToken).ConfigureAwait(false) is { } adopted)
                {
                    claimed.Add(adopted);
                }
            }
        }

        return claimed;
    }

    private async Task<V1ReplicaSet?> PatchOwnersAsync(V1ReplicaSet rs, List<V1OwnerReference> refs, CancellationToken cancellationToken)
    {
        try
        {
            return await _rsClient.PatchAsync(rs.Metadata.NamespaceProperty, rs.Metadata.Name, OwnerPatches.OwnerReferences(rs.Metadata, refs), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict || ex.IsInvalid)
        {
            return null;
        }
    }

    private static bool IsScalingEvent(V1Deployment d, List<V1ReplicaSet> rsList)
    {
        var desired = DeploymentUtil.Replicas(d).ToString(CultureInfo.InvariantCulture);
        return rsList.Where(rs => DeploymentUtil.Replicas(rs) > 0)
            .Any(rs => Objects.Annotation(rs.Metadata, DeploymentAnnotations.DesiredReplicas) is { Length: > 0 } a && a != desired);
    }

    // ---- new and old ReplicaSets -----------------------------------------------------------------

    /// <summary>getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked) and the old ones, with revisions brought up to date.</summary>
    private async Task<(V1ReplicaSet? New, List<V1ReplicaSet> Old)> AllReplicaSetsAsync(V1Deployment d, List<V1ReplicaSet> rsList, bool create, CancellationToken cancellationToken)
    {
        var existing = DeploymentUtil.FindNewReplicaSet(d, rsList);
        var old = rsList.Where(r => r != existing).ToList();
        var newRevision = (old.Count == 0 ? 0 : old.Max(DeploymentUtil.Revision)) + 1;

        if (existing is not null)
        {
            var copy = Objects.Clone(existing);
            var changed = SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true);
            if (changed || (copy.Spec.MinReadySeconds ?? 0) != (d.Spec.MinReadySeconds ?? 0))
            {
                copy.Spec.MinReadySeconds = d.Spec.MinReadySeconds;
                existing = await _rsClient.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
            }

            await SetDeploymentRevisionAsync(d, Objects.Annotation(existing.Metadata, DeploymentAnnotations.Revision), cancellationToken).ConfigureAwait(false);
            if (DeploymentUtil.Condition(d.Status, "Progressing") is null && DeploymentUtil.HasProgressDeadline(d))
            {
                DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition("Progressing", "True", "FoundNewReplicaSet", $"Found new replica set \"{existing.Metadata.Name}\"", Now));
                await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
            }

            return (existing, old);
        }

        if (!create)
        {
            return (null, old);
        }

        var hash = DeploymentUtil.ComputeHash(d.Spec.Template, d.Status.CollisionCount);
        var template = Objects.Clone(d.Spec.Template);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels ??= new Dictionary<string, string>();
        template.Metadata.Labels[DeploymentAnnotations.PodTemplateHash] = hash;
        var selector = Objects.Clone(d.Spec.Selector);
        selector.MatchLabels ??= new Dictionary<string, string>();
        selector.MatchLabels[DeploymentAnnotations.PodTemplateHash] = hash;
        var rs = new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{d.Metadata.Name}-{hash}",
                NamespaceProperty = d.Metadata.NamespaceProperty,
                OwnerReferences = [Objects.ControllerRef(d, "apps/v1", "Deployment")],
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
            },
            Spec = new V1ReplicaSetSpec { Replicas = 0, MinReadySeconds = d.Spec.MinReadySeconds, Selector = selector, Template = template },
        };
        rs.Spec.Replicas = DeploymentUtil.NewRSNewReplicas(d, [.. old, rs], rs);
        SetNewReplicaSetAnnotations(d, rs, newRevision, exists: false);

        V1ReplicaSet created;
        try
        {
            created = await _rsClient.CreateAsync(rs, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            var found = await _rsClient.GetAsync(rs.Metadata.NamespaceProperty, rs.Metadata.Name, cancellationToken).ConfigureAwait(false);
            if (Objects.ControllerOf(found.Metadata)?.Uid == d.Metadata.Uid && DeploymentUtil.EqualIgnoreHash(d.Spec.Template, found.Spec?.Template))
            {
                // Ours, created by an earlier sync the cache has not shown yet.
                return (found, old);
            }

            // A hash collision with someone else's ReplicaSet: bump collisionCount so the next hash differs.
            d.Status.CollisionCount = (d.Status.CollisionCount ?? 0) + 1;
            await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
            throw;
        }

        if (DeploymentUtil.Replicas(created) > 0)
        {
            _recorder.Event(d, "Normal", "ScalingReplicaSet", $"Scaled up replica set {created.Metadata.Name} from 0 to {DeploymentUtil.Replicas(created)}");
        }

        if (DeploymentUtil.HasProgressDeadline(d))
        {
            DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition("Progressing", "True", "NewReplicaSetCreated", $"Created new replica set \"{created.Metadata.Name}\"", Now));
            await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
        }

        await SetDeploymentRevisionAsync(d, newRevision.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return (created, old);
    }

    private static bool SetNewReplicaSetAnnotations(V1Deployment d, V1ReplicaSet rs, long newRevision, bool exists)
    {
        rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var changed = false;
        foreach (var (k, v) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (!DeploymentAnnotations.SkipCopy(k) && (!rs.Metadata.Annotations.TryGetValue(k, out var current) || current != v))
            {
                rs.Metadata.Annotations[k] = v;
                changed = true;
            }
        }

        var oldRevision = DeploymentUtil.Revision(rs);
        if (oldRevision < newRevision)
        {
            rs.Metadata.Annotations[DeploymentAnnotations.Revision] = newRevision.ToString(CultureInfo.InvariantCulture);
            changed = true;
        }

        if (!exists)
        {
            SetReplicasAnnotations(rs, DeploymentUtil.Replicas(d), DeploymentUtil.Replicas(d) + DeploymentUtil.MaxSurge(d));
            changed = true;
        }

        return changed;
    }

    private static bool SetReplicasAnnotations(V1ReplicaSet rs, int desired, int max)
    {
        rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var d = desired.ToString(CultureInfo.InvariantCulture);
        var m = max.ToString(CultureInfo.InvariantCulture);
        var changed = Objects.Annotation(rs.Metadata, DeploymentAnnotations.DesiredReplicas) != d || Objects.Annotation(rs.Metadata, DeploymentAnnotations.MaxReplicas) != m;
        rs.Metadata.Annotations[DeploymentAnnotations.DesiredReplicas] = d;
        rs.Metadata.Annotations[DeploymentAnnotations.MaxReplicas] = m;
        return changed;
    }

    private async Task SetDeploymentRevisionAsync(V1Deployment d, string revision, CancellationToken cancellationToken)
    {
        if (revision.Length == 0 || Objects.Annotation(d.Metadata, DeploymentAnnotations.Revision) == revision)
        {
            return;
        }

        d.Metadata.Annotations ??= new Dictionary<string, string>();
        d.Metadata.Annotations[DeploymentAnnotations.Revision] = revision;
        var updated = await _deploymentClient.UpdateAsync(Objects.Clone(d), cancellationToken).ConfigureAwait(false);
        d.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
    }

    // ---- scaling ------------------------------------------------------------------------------------

    /// <summary>Scales one ReplicaSet (and refreshes its replica annotations) with an optimistic-concurrency PUT.</summary>
    private async Task<(bool Scaled, V1ReplicaSet Rs)> ScaleReplicaSetAsync(V1ReplicaSet rs, int newScale, V1Deployment d, CancellationToken cancellationToken)
    {
        var oldScale = DeploymentUtil.Replicas(rs);
        var copy = Objects.Clone(rs);
        var annotationsChanged = SetReplicasAnnotations(copy, DeploymentUtil.Replicas(d), DeploymentUtil.Replicas(d) + DeploymentUtil.MaxSurge(d));
        if (oldScale == newScale && !annotationsChanged)
        {
            return (false, rs);
        }

        copy.Spec.Replicas = newScale;
        var updated = await _rsClient.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
        if (oldScale != newScale)
        {
            var direction = newScale > oldScale ? "up" : "down";
            _recorder.Event(d, "Normal", "ScalingReplicaSet", $"Scaled {direction} replica set {rs.Metadata.Name} from {oldScale} to {newScale}");
        }

        return (oldScale != newScale, updated);
    }

    /// <summary>The scale path (paused, or replicas changed mid-rollout): resize without rolling, then status.</summary>
    private async Task SyncScaleAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, old) = await AllReplicaSetsAsync(d, rsList, create: false, cancellationToken).ConfigureAwait(false);
        (newRs, old) = await ScaleAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
        if (d.Spec?.Paused == true)
        {
            await CleanupAsync(d, old, cancellationToken).ConfigureAwait(false);
        }

        await SyncStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The scale step: one active ReplicaSet takes the new size; several share a change proportionally.</summary>
    private async Task<(V1ReplicaSet? New, List<V1ReplicaSet> Old)> ScaleAsync(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> old, CancellationToken cancellationToken)
    {
        var replicas = DeploymentUtil.Replicas(d);
        var all = (newRs is null ? old : [newRs, .. old]).ToList();
        var active = all.Where(r => DeploymentUtil.Replicas(r) > 0).ToList();
        V1ReplicaSet? activeOrLatest = active.Count switch
        {
            0 => newRs ?? old.OrderByDescending(r => r.Metadata.CreationTimestamp).FirstOrDefault(),
            1 => active[0],
            _ => null,
        };

        var results = all.ToDictionary(r => r.Metadata.Name, r => r, StringComparer.Ordinal);
        if (activeOrLatest is not null)
        {
            var (_, scaled) = await ScaleReplicaSetAsync(activeOrLatest, replicas, d, cancellationToken).ConfigureAwait(false);
            results[scaled.Metadata.Name] = scaled;
        }
        else if (newRs is not null && DeploymentUtil.Replicas(newRs) == replicas && (newRs.Status?.AvailableReplicas ?? 0) == replicas)
        {
            // The new ReplicaSet is saturated: the old ones are no longer needed.
            foreach (var rs in old.Where(r => DeploymentUtil.Replicas(r) > 0))
            {
                var (_, scaled) = await ScaleReplicaSetAsync(rs, 0, d, cancellationToken).ConfigureAwait(false);
                results[scaled.Metadata.Name] = scaled;
            }
        }
        else if (!DeploymentUtil.IsRecreate(d))
        {
            foreach (var (rs, size) in ProportionalSizes(d, active))
            {
                var (_, scaled) = await ScaleReplicaSetAsync(rs, size, d, cancellationToken).ConfigureAwait(false);
                results[scaled.Metadata.Name] = scaled;
            }
        }

        return (newRs is null ? null : results[newRs.Metadata.Name], old.Select(r => results[r.Metadata.Name]).ToList());
    }

    /// <summary>Proportional scaling (kube-controller-manager's scale with getProportion): shares an increase or decrease by each ReplicaSet's size.</summary>
    internal static List<(V1ReplicaSet Rs, int Size)> ProportionalSizes(V1Deployment d, List<V1ReplicaSet> active)
    {
        var replicas = DeploymentUtil.Replicas(d);
        var allowed = replicas > 0 ? replicas + DeploymentUtil.MaxSurge(d) : 0;
        var toAdd = allowed - active.Sum(DeploymentUtil.Replicas);
        var sorted = toAdd > 0
            ? active.OrderByDescending(DeploymentUtil.Replicas).ThenByDescending(r => r.Metadata.CreationTimestamp).ToList()
            : active.OrderByDescending(DeploymentUtil.Replicas).ThenBy(r => r.Metadata.CreationTimestamp).ToList();
        var sizes = new List<(V1ReplicaSet Rs, int Size)>();
        var added = 0;
        foreach (var rs in sorted)
        {
            var proportion = 0;
            if (toAdd != 0)
            {
                var annotated = int.TryParse(Objects.Annotation(rs.Metadata, DeploymentAnnotations.MaxReplicas), NumberStyles.None, CultureInfo.InvariantCulture, out var a) && a > 0 ? a : Math.Max(1, d.Status?.Replicas ?? 1);
                var fraction = replicas == 0
                    ? -DeploymentUtil.Replicas(rs)
                    : (int)Math.Round(DeploymentUtil.Replicas(rs) * (double)allowed / annotated) - DeploymentUtil.Replicas(rs);
                var left = toAdd - added;
                proportion = toAdd > 0 ? Math.Min(fraction, left) : Math.Max(fraction, left);
                added += proportion;
            }

            sizes.Add((rs, DeploymentUtil.Replicas(rs) + proportion));
        }

        if (sizes.Count > 0 && toAdd != added)
        {
            // Rounding leftovers go to the largest ReplicaSet.
            sizes[0] = (sizes[0].Rs, Math.Max(0, sizes[0].Size + toAdd - added));
        }

        return sizes;
    }

    // ---- strategies ---------------------------------------------------------------------------------

    private async Task RolloutRollingAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, old) = await AllReplicaSetsAsync(d, rsList, create: true, cancellationToken).ConfigureAwait(false);
        var all = new List<V1ReplicaSet>([newRs!, .. old]);

        // Scale up the new ReplicaSet as far as maxSurge allows.
        var newScale = DeploymentUtil.Replicas(newRs!) > DeploymentUtil.Replicas(d)
            ? DeploymentUtil.Replicas(d)
            : DeploymentUtil.NewRSNewReplicas(d, all, newRs!);
        var (scaledUp, updatedNew) = await ScaleReplicaSetAsync(newRs!, newScale, d, cancellationToken).ConfigureAwait(false);
        newRs = updatedNew;
        if (scaledUp)
        {
            await SyncRolloutStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Scale down old ReplicaSets as far as maxUnavailable allows.
        var (scaledDown, remainingOld) = await ReconcileOldReplicaSetsAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
        old = remainingOld;
        if (scaledDown)
        {
            await SyncRolloutStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (DeploymentUtil.IsComplete(d, CalculateStatus(d, newRs, old)))
        {
            await CleanupAsync(d, old, cancellationToken).ConfigureAwait(false);
        }

        await SyncRolloutStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>reconcileOldReplicaSets: first remove unhealthy old pods, then scale old sets down while availability stays above the minimum.</summary>
    private async Task<(bool ScaledDown, List<V1ReplicaSet> Old)> ReconcileOldReplicaSetsAsync(V1Deployment d, V1ReplicaSet newRs, List<V1ReplicaSet> old, CancellationToken cancellationToken)
    {
        var plan = PlanOldScaleDown(d, newRs, old);
        if (plan.Count == 0)
        {
            return (false, old);
        }

        var results = old.ToDictionary(r => r.Metadata.Name, r => r, StringComparer.Ordinal);
        var any = false;
        foreach (var (rs, size) in plan)
        {
            var (scaled, updated) = await ScaleReplicaSetAsync(results[rs.Metadata.Name], size, d, cancellationToken).ConfigureAwait(false);
            results[rs.Metadata.Name] = updated;
            any |= scaled;
        }

        return (any, old.Select(r => results[r.Metadata.Name]).ToList());
    }

    /// <summary>The new sizes of old ReplicaSets in one rolling step (cleanupUnhealthyReplicas then scaleDownOldReplicaSetsForRollingUpdate).</summary>
    internal static List<(V1ReplicaSet Rs, int Size)> PlanOldScaleDown(V1Deployment d, V1ReplicaSet newRs, List<V1ReplicaSet> old)
    {
        var plan = new List<(V1ReplicaSet Rs, int Size)>();
        if (old.Sum(DeploymentUtil.Replicas) == 0)
        {
            return plan;
        }

        var all = new List<V1ReplicaSet>([newRs, .. old]);
        var allPods = all.Sum(DeploymentUtil.Replicas);
        var minAvailable = DeploymentUtil.Replicas(d) - DeploymentUtil.MaxUnavailable(d);
        var newUnavailable = DeploymentUtil.Replicas(newRs) - (newRs.Status?.AvailableReplicas ?? 0);
        var maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return plan;
        }

        var sizes = old.ToDictionary(r => r.Metadata.Name, DeploymentUtil.Replicas, StringComparer.Ordinal);
        var byAge = old.OrderBy(r => r.Metadata.CreationTimestamp).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal).ToList();

        // Unhealthy replicas first: removing them costs no availability.
        var cleaned = 0;
        foreach (var rs in byAge)
        {
            if (cleaned >= maxScaledDown)
            {
                break;
            }

            var size = sizes[rs.Metadata.Name];
            var unhealthy = size - (rs.Status?.AvailableReplicas ?? 0);
            if (size == 0 || unhealthy <= 0)
            {
                continue;
            }

            var count = Math.Min(unhealthy, maxScaledDown - cleaned);
            sizes[rs.Metadata.Name] = size - count;
            cleaned += count;
        }

        // Then available replicas, as long as at least minAvailable stay available.
        var available = all.Sum(r => r.Status?.AvailableReplicas ?? 0);
        if (available > minAvailable)
        {
            var total = available - minAvailable;
            var done = 0;
            foreach (var rs in byAge)
            {
                if (done >= total)
                {
                    break;
                }

                var size = sizes[rs.Metadata.Name];
                if (size == 0)
                {
                    continue;
                }

                var count = Math.Min(size, total - done);
                sizes[rs.Metadata.Name] = size - count;
                done += count;
            }
        }

        foreach (var rs in old)
        {
            if (sizes[rs.Metadata.Name] != DeploymentUtil.Replicas(rs))
            {
                plan.Add((rs, sizes[rs.Metadata.Name]));
            }
        }

        return plan;
    }

    private async Task RolloutRecreateAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, old) = await AllReplicaSetsAsync(d, rsList, create: false, cancellationToken).ConfigureAwait(false);

        var scaledDown = false;
        var remaining = new List<V1ReplicaSet>();
        foreach (var rs in old)
        {
            if (DeploymentUtil.Replicas(rs) > 0)
            {
                var (scaled, updated) = await ScaleReplicaSetAsync(rs, 0, d, cancellationToken).ConfigureAwait(false);
                scaledDown |= scaled;
                remaining.Add(updated);
            }
            else
            {
                remaining.Add(rs);
            }
        }

        old = remaining;
        if (scaledDown)
        {
            await SyncRolloutStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Recreate promises no overlap: wait until no pod of an old ReplicaSet is left running.
        if (old.Any(rs => _pods.Indexer.ByIndex(Indexers.OwnerUid, rs.Metadata.Uid).Any(p => !Pods.IsTerminal(p))))
        {
            await SyncRolloutStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (newRs is null)
        {
            (newRs, old) = await AllReplicaSetsAsync(d, rsList, create: true, cancellationToken).ConfigureAwait(false);
        }

        (_, newRs) = await ScaleReplicaSetAsync(newRs!, DeploymentUtil.Replicas(d), d, cancellationToken).ConfigureAwait(false);
        if (DeploymentUtil.IsComplete(d, CalculateStatus(d, newRs, old)))
        {
            await CleanupAsync(d, old, cancellationToken).ConfigureAwait(false);
        }

        await SyncRolloutStatusAsync(d, newRs, old, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>revisionHistoryLimit: deletes the oldest fully scaled-down old ReplicaSets beyond the limit.</summary>
    private async Task CleanupAsync(V1Deployment d, List<V1ReplicaSet> old, CancellationToken cancellationToken)
    {
        var limit = d.Spec?.RevisionHistoryLimit ?? 10;
        var cleanable = old.Where(r => r.Metadata.DeletionTimestamp is null && DeploymentUtil.Replicas(r) == 0 && (r.Status?.Replicas ?? 0) == 0
                && (r.Status?.ObservedGeneration ?? 0) >= (r.Metadata.Generation ?? 0))
            .OrderBy(DeploymentUtil.Revision)
            .ToList();
        foreach (var rs in cleanable.Take(Math.Max(0, cleanable.Count - limit)))
        {
            await ApiErrors.IgnoreNotFoundAsync(() => _rsClient.DeleteAsync(rs.Metadata.NamespaceProperty, rs.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = rs.Metadata.Uid } }, cancellationToken)).ConfigureAwait(false);
        }
    }

    // ---- status -------------------------------------------------------------------------------------

    internal V1DeploymentStatus CalculateStatus(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> old)
    {
        var all = newRs is null ? old : [newRs, .. old];
        var available = all.Sum(r => r.Status?.AvailableReplicas ?? 0);
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = all.Sum(r => r.Status?.Replicas ?? 0),
            UpdatedReplicas = newRs?.Status?.Replicas ?? 0,
            ReadyReplicas = all.Sum(r => r.Status?.ReadyReplicas ?? 0),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, all.Sum(DeploymentUtil.Replicas) - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions?.Select(Objects.Clone).ToList(),
        };

        var now = Now;
        if (available >= DeploymentUtil.Replicas(d) - DeploymentUtil.MaxUnavailable(d))
        {
            DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now));
        }
        else
        {
            DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now));
        }

        // Normalize null and zero the way the API server returns them, so unchanged status compares equal.
        status.ReadyReplicas = status.ReadyReplicas == 0 ? null : status.ReadyReplicas;
        status.AvailableReplicas = status.AvailableReplicas == 0 ? null : status.AvailableReplicas;
        status.UnavailableReplicas = status.UnavailableReplicas == 0 ? null : status.UnavailableReplicas;
        status.UpdatedReplicas = status.UpdatedReplicas == 0 ? null : status.UpdatedReplicas;
        status.Replicas = status.Replicas == 0 ? null : status.Replicas;
        return status;
    }

    private async Task SyncStatusAsync(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> old, CancellationToken cancellationToken)
    {
        var status = CalculateStatus(d, newRs, old);
        if (!StatusEqual(d.Status, status))
        {
            d.Status = status;
            await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>syncRolloutStatus: the status plus the Progressing condition, and a requeue to notice a missed progress deadline.</summary>
    private async Task SyncRolloutStatusAsync(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> old, CancellationToken cancellationToken)
    {
        var status = CalculateStatus(d, newRs, old);
        var now = Now;
        var current = DeploymentUtil.Condition(d.Status, "Progressing");
        if (!DeploymentUtil.HasProgressDeadline(d))
        {
            DeploymentUtil.RemoveCondition(status, "Progressing");
        }

        var completeBefore = (status.Replicas ?? 0) == (status.UpdatedReplicas ?? 0) && current?.Reason == "NewReplicaSetAvailable";
        var rsName = newRs?.Metadata.Name;
        if (DeploymentUtil.HasProgressDeadline(d) && !completeBefore)
        {
            if (DeploymentUtil.IsComplete(d, status))
            {
                var msg = rsName is null ? $"Deployment \"{d.Metadata.Name}\" has successfully progressed." : $"ReplicaSet \"{rsName}\" has successfully progressed.";
                DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition("Progressing", "True", "NewReplicaSetAvailable", msg, now));
            }
            else if (DeploymentUtil.IsProgressing(d, status))
            {
                var condition = DeploymentUtil.NewCondition("Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", now);
                if (current?.Status == "True")
                {
                    condition.LastTransitionTime = current.LastTransitionTime;
                }

                DeploymentUtil.RemoveCondition(status, "Progressing");
                DeploymentUtil.SetCondition(status, condition);
            }
            else if (TimedOut(d, current, now))
            {
                DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition("Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", now));
            }
        }

        var failure = (newRs is null ? old : [newRs, .. old]).SelectMany(r => r.Status?.Conditions ?? []).FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        if (failure is not null)
        {
            DeploymentUtil.SetCondition(status, DeploymentUtil.NewCondition("ReplicaFailure", failure.Status, failure.Reason, failure.Message, now));
        }
        else
        {
            DeploymentUtil.RemoveCondition(status, "ReplicaFailure");
        }

        if (!StatusEqual(d.Status, status))
        {
            d.Status = status;
            await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
        }

        RequeueStuck(d, status, now);
    }

    private static bool TimedOut(V1Deployment d, V1DeploymentCondition? progressing, DateTime now)
    {
        if (progressing is null)
        {
            return false;
        }

        if (progressing.Reason == "ProgressDeadlineExceeded")
        {
            return true;
        }

        if (progressing.Reason == "NewReplicaSetAvailable" || progressing.LastUpdateTime is not { } from)
        {
            return false;
        }

        return from.AddSeconds(d.Spec.ProgressDeadlineSeconds ?? 600) < now;
    }

    /// <summary>requeueStuckDeployment: come back when the progress deadline would pass, as no event may arrive then.</summary>
    private void RequeueStuck(V1Deployment d, V1DeploymentStatus status, DateTime now)
    {
        var progressing = DeploymentUtil.Condition(status, "Progressing");
        if (!DeploymentUtil.HasProgressDeadline(d) || progressing is null || progressing.Reason is "NewReplicaSetAvailable" or "ProgressDeadlineExceeded" or "DeploymentPaused"
            || DeploymentUtil.IsComplete(d, status) || progressing.LastUpdateTime is not { } from)
        {
            return;
        }

        var after = from.AddSeconds(d.Spec.ProgressDeadlineSeconds ?? 600) - now;
        Queue.AddAfter(ObjectKey.Of(d), after < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after);
    }

    private async Task CheckPausedConditionsAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        if (!DeploymentUtil.HasProgressDeadline(d))
        {
            return;
        }

        var current = DeploymentUtil.Condition(d.Status, "Progressing");
        if (current?.Reason == "ProgressDeadlineExceeded")
        {
            return;
        }

        var pausedShown = current?.Reason == "DeploymentPaused";
        var paused = d.Spec?.Paused == true;
        if (paused && !pausedShown)
        {
            DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", Now));
        }
        else if (!paused && pausedShown)
        {
            DeploymentUtil.SetCondition(d.Status, DeploymentUtil.NewCondition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", Now));
        }
        else
        {
            return;
        }

        await UpdateStatusAsync(d, cancellationToken).ConfigureAwait(false);
    }

    private async Task UpdateStatusAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        var updated = await _deploymentClient.UpdateAsync(Objects.Clone(d), cancellationToken, "status").ConfigureAwait(false);
        d.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
    }

    private static bool StatusEqual(V1DeploymentStatus? a, V1DeploymentStatus b)
    {
        static V1DeploymentStatus Normalize(V1DeploymentStatus? s)
        {
            var c = Objects.Clone(s ?? new V1DeploymentStatus());
            c.Replicas = c.Replicas is 0 ? null : c.Replicas;
            c.UpdatedReplicas = c.UpdatedReplicas is 0 ? null : c.UpdatedReplicas;
            c.ReadyReplicas = c.ReadyReplicas is 0 ? null : c.ReadyReplicas;
            c.AvailableReplicas = c.AvailableReplicas is 0 ? null : c.AvailableReplicas;
            c.UnavailableReplicas = c.UnavailableReplicas is 0 ? null : c.UnavailableReplicas;
            c.Conditions = c.Conditions?.OrderBy(x => x.Type, StringComparer.Ordinal).ToList();
            return c;
        }

        return Objects.JsonEqual(Normalize(a), Normalize(b));
    }
}
