using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.PersistentVolume;

/// <summary>
/// The volume binder of kube-controller-manager (pkg/controller/volume/persistentvolume): binds Pending claims to
/// matching volumes (or hands them to their class's provisioner), keeps the two sides of a bind consistent, marks
/// claims Lost when their volume goes, and releases and reclaims volumes whose claim was deleted. One queue carries
/// both kinds of key (<c>claim:ns/name</c>, <c>volume:name</c>) and one worker works it, so a claim and a volume are
/// never changed by two syncs at once, as the Go controller's single goroutine per queue ensures.
/// </summary>
internal sealed partial class PersistentVolumeController : IController
{
    private const string ClaimPrefix = "claim:";
    private const string VolumePrefix = "volume:";

    /// <summary>The provisioner name of classes that offer no dynamic provisioning.</summary>
    private const string NotSupportedProvisioner = "kubernetes.io/no-provisioner";

    private readonly IInformer<V1PersistentVolumeClaim> _claims;
    private readonly IInformer<V1PersistentVolume> _volumes;
    private readonly IInformer<V1StorageClass> _classes;
    private readonly IResourceClient<V1PersistentVolumeClaim> _claimClient;
    private readonly IResourceClient<V1PersistentVolume> _volumeClient;
    private readonly IEventRecorder _recorder;
    private readonly ILogger _logger;
    private readonly NewerWrites<V1PersistentVolumeClaim> _claimWrites;
    private readonly NewerWrites<V1PersistentVolume> _volumeWrites;

    public PersistentVolumeController(
        IInformer<V1PersistentVolumeClaim> claims,
        IInformer<V1PersistentVolume> volumes,
        IInformer<V1StorageClass> classes,
        IResourceClient<V1PersistentVolumeClaim> claimClient,
        IResourceClient<V1PersistentVolume> volumeClient,
        IEventRecorder recorder,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _claims = claims;
        _volumes = volumes;
        _classes = classes;
        _claimClient = claimClient;
        _volumeClient = volumeClient;
        _recorder = recorder;
        _logger = logger;
        _claimWrites = new NewerWrites<V1PersistentVolumeClaim>(claims.Indexer);
        _volumeWrites = new NewerWrites<V1PersistentVolume>(volumes.Indexer);
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;

        claims.AddEventHandler(new ResourceEventHandler<V1PersistentVolumeClaim>(
            onAdd: EnqueueClaim,
            onUpdate: (_, cur) => EnqueueClaim(cur),
            onDelete: claim =>
            {
                // The volumes bound to it are released.
                if (!string.IsNullOrEmpty(claim.Spec?.VolumeName))
                {
                    Queue.Add(VolumePrefix + claim.Spec.VolumeName);
                }

                foreach (var volume in _volumes.Indexer.List().Where(v => VolumeMatcher.IsBoundTo(v, claim)))
                {
                    EnqueueVolume(volume);
                }
            }));
        volumes.AddEventHandler(new ResourceEventHandler<V1PersistentVolume>(
            onAdd: VolumeChanged,
            onUpdate: (_, cur) => VolumeChanged(cur),
            onDelete: volume =>
            {
                // A claim bound to it is now Lost.
                if (volume.Spec?.ClaimRef is { } r)
                {
                    Queue.Add(ClaimPrefix + ObjectKey.Of(r.NamespaceProperty, r.Name));
                }
            }));

        // A class created (or made default) after its claims lets them be provisioned or bound.
        classes.AddEventHandler(new ResourceEventHandler<V1StorageClass>(onAdd: _ => EnqueueUnboundClaims(), onUpdate: (_, _) => EnqueueUnboundClaims()));
    }

    public string Name => "persistentvolume-binder";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_claims.WaitForSyncAsync(cancellationToken), _volumes.WaitForSyncAsync(cancellationToken), _classes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);

        // One worker: see the class comment.
        await Workers.RunAsync(Name, Queue, () => Sync, 1, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueClaim(V1PersistentVolumeClaim claim) => Queue.Add(ClaimPrefix + ObjectKey.Of(claim));

    private void EnqueueVolume(V1PersistentVolume volume) => Queue.Add(VolumePrefix + volume.Metadata.Name);

    private void VolumeChanged(V1PersistentVolume volume)
    {
        EnqueueVolume(volume);
        if (volume.Spec?.ClaimRef is { } r)
        {
            Queue.Add(ClaimPrefix + ObjectKey.Of(r.NamespaceProperty, r.Name));
        }

        if (volume.Spec?.ClaimRef is null || string.IsNullOrEmpty(volume.Spec.ClaimRef.Uid))
        {
            // A volume that is free (again) may be what a waiting claim needs.
            EnqueueUnboundClaims();
        }
    }

    private void EnqueueUnboundClaims()
    {
        foreach (var claim in _claims.Indexer.List().Where(c => !HasAnnotation(c.Metadata, VolumeAnnotations.BindCompleted)))
        {
            EnqueueClaim(claim);
        }
    }

    internal Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (key.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            var claim = _claimWrites.Get(key[ClaimPrefix.Length..]);
            return claim is null ? Task.CompletedTask : SyncClaimAsync(Objects.Clone(claim), cancellationToken);
        }

        if (key.StartsWith(VolumePrefix, StringComparison.Ordinal))
        {
            var volume = _volumeWrites.Get(key[VolumePrefix.Length..]);
            return volume is null ? Task.CompletedTask : SyncVolumeAsync(Objects.Clone(volume), cancellationToken);
        }

        return Task.CompletedTask;
    }

    private Task SyncClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct) =>
        HasAnnotation(claim.Metadata, VolumeAnnotations.BindCompleted) ? SyncBoundClaimAsync(claim, ct) : SyncUnboundClaimAsync(claim, ct);

    private async Task SyncUnboundClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var spec = claim.Spec ??= new V1PersistentVolumeClaimSpec();
        if (string.IsNullOrEmpty(spec.VolumeName))
        {
            // The user did not name a volume: find the best one, or have one provisioned.
            var delayBinding = ShouldDelayBinding(claim);
            var volume = VolumeMatcher.FindBest(claim, _volumeWrites.List(), delayBinding);
            if (volume is not null)
            {
                await BindAsync(Objects.Clone(volume), claim, ct).ConfigureAwait(false);
                return;
            }

            if (VolumeMatcher.HasNoClass(claim) && DefaultClass() is { } defaultClass)
            {
                // Retroactive default class (GA in 1.28): a claim created before any default existed gets it now.
                spec.StorageClassName = defaultClass.Metadata.Name;
                _claimWrites.Record(await _claimClient.UpdateAsync(claim, ct).ConfigureAwait(false));
                Log.DefaultClassAssigned(_logger, ObjectKey.Of(claim), defaultClass.Metadata.Name);
                return;
            }

            if (delayBinding && !HasAnnotation(claim.Metadata, VolumeAnnotations.SelectedNode))
            {
                _recorder.Event(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            }
            else if (VolumeMatcher.ClaimClass(claim) != "")
            {
                await ProvisionClaimAsync(claim, ct).ConfigureAwait(false);
                return;
            }
            else
            {
                _recorder.Event(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            }

            await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
            return;
        }

        // The user asked for a particular volume.
        var named = _volumeWrites.Get(spec.VolumeName);
        if (named is null)
        {
            Log.RequestedVolumeMissing(_logger, ObjectKey.Of(claim), spec.VolumeName);
            await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
            return;
        }

        named = Objects.Clone(named);
        if (named.Spec?.ClaimRef is null)
        {
            if (VolumeMatcher.Mismatch(claim, named) is { } why)
            {
                _recorder.Event(claim, "Warning", "VolumeMismatch", $"Cannot bind to requested volume \"{named.Metadata.Name}\": {why}");
                await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
                return;
            }

            await BindAsync(named, claim, ct).ConfigureAwait(false);
        }
        else if (VolumeMatcher.IsBoundTo(named, claim))
        {
            await BindAsync(named, claim, ct).ConfigureAwait(false);
        }
        else
        {
            _recorder.Event(claim, "Warning", "FailedBinding", $"volume \"{named.Metadata.Name}\" already bound to a different claim.");
            await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
        }
    }

    private async Task SyncBoundClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var volumeName = claim.Spec?.VolumeName;
        if (string.IsNullOrEmpty(volumeName))
        {
            await ClaimLostAsync(claim, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!", ct).ConfigureAwait(false);
            return;
        }

        var volume = _volumeWrites.Get(volumeName);
        if (volume is null)
        {
            await ClaimLostAsync(claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!", ct).ConfigureAwait(false);
            return;
        }

        volume = Objects.Clone(volume);
        if (volume.Spec?.ClaimRef is null || volume.Spec.ClaimRef.Uid == claim.Metadata.Uid)
        {
            // Either the volume lost its half of the bind (finish it again) or all is well (refresh the status).
            await BindAsync(volume, claim, ct).ConfigureAwait(false);
            return;
        }

        await ClaimLostAsync(claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly", ct).ConfigureAwait(false);
    }

    private async Task SyncVolumeAsync(V1PersistentVolume volume, CancellationToken ct)
    {
        var claimRef = volume.Spec?.ClaimRef;
        if (claimRef is null || string.IsNullOrEmpty(claimRef.Uid))
        {
            // Free, or pre-bound by a user to a claim that has not been bound yet.
            await UpdateVolumePhaseAsync(volume, "Available", null, null, ct).ConfigureAwait(false);
            return;
        }

        var claim = _claimWrites.Get(ObjectKey.Of(claimRef.NamespaceProperty, claimRef.Name));
        if (claim is null)
        {
            // The cache may not have seen a new claim yet: ask the server before releasing anything.
            try
            {
                claim = await _claimClient.GetAsync(claimRef.NamespaceProperty, claimRef.Name, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
            }
        }

        if (claim is not null && claim.Metadata.Uid != claimRef.Uid)
        {
            // Deleted and re-created under the same name: not our claim.
            claim = null;
        }

        if (claim is null)
        {
            if (volume.Status?.Phase is not ("Released" or "Failed"))
            {
                volume = await UpdateVolumePhaseAsync(volume, "Released", null, null, ct).ConfigureAwait(false);
                Log.VolumeReleased(_logger, volume.Metadata.Name, ObjectKey.Of(claimRef.NamespaceProperty, claimRef.Name));
            }

            await ReclaimAsync(volume, ct).ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(claim.Spec?.VolumeName))
        {
            if (VolumeMatcher.VolumeModeMismatch(claim, volume))
            {
                _recorder.Event(volume, "Warning", "VolumeMismatch", "Cannot bind PersistentVolume to requested PersistentVolumeClaim due to incompatible volumeMode.");
                return;
            }

            // Half bound (by us, a provisioner or the scheduler): the claim's sync completes it.
            EnqueueClaim(claim);
            return;
        }

        if (claim.Spec.VolumeName == volume.Metadata.Name)
        {
            await UpdateVolumePhaseAsync(volume, "Bound", null, null, ct).ConfigureAwait(false);
            return;
        }

        // The claim is bound to another volume.
        if (HasAnnotation(volume.Metadata, VolumeAnnotations.ProvisionedBy) && volume.Spec!.PersistentVolumeReclaimPolicy == "Delete")
        {
            // Provisioned for this claim, which got another volume: nobody needs this one.
            if (volume.Status?.Phase is not ("Released" or "Failed"))
            {
                volume = await UpdateVolumePhaseAsync(volume, "Released", null, null, ct).ConfigureAwait(false);
            }

            await ReclaimAsync(volume, ct).ConfigureAwait(false);
            return;
        }

        await UnbindVolumeAsync(volume, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// reclaimVolume: Retain keeps a Released volume as it is; Delete is the job of the provisioner named in
    /// pv.kubernetes.io/provisioned-by (a volume nobody provisioned has no deleter and fails); Recycle is not offered.
    /// </summary>
    private async Task ReclaimAsync(V1PersistentVolume volume, CancellationToken ct)
    {
        switch (volume.Spec?.PersistentVolumeReclaimPolicy)
        {
            case "Retain":
                return;
            case "Delete":
                if (HasAnnotation(volume.Metadata, VolumeAnnotations.ProvisionedBy))
                {
                    // Its provisioner deletes the data and the volume.
                    return;
                }

                if (volume.Status?.Phase != "Failed")
                {
                    var message = $"Error getting deleter volume plugin for volume \"{volume.Metadata.Name}\": no deletable volume plugin matched";
                    await UpdateVolumePhaseAsync(volume, "Failed", "VolumeFailedDelete", message, ct).ConfigureAwait(false);
                    _recorder.Event(volume, "Warning", "VolumeFailedDelete", message);
                }

                return;
            case "Recycle":
                if (volume.Status?.Phase != "Failed")
                {
                    await UpdateVolumePhaseAsync(volume, "Failed", "VolumeFailedRecycle", "No recycler plugin found for the volume!", ct).ConfigureAwait(false);
                    _recorder.Event(volume, "Warning", "VolumeFailedRecycle", "No recycler plugin found for the volume!");
                }

                return;
            default:
                if (volume.Status?.Phase != "Failed")
                {
                    await UpdateVolumePhaseAsync(volume, "Failed", "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy", ct).ConfigureAwait(false);
                    _recorder.Event(volume, "Warning", "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy");
                }

                return;
        }
    }

    /// <summary>
    /// provisionClaim for a provisioner outside the binder (all of Skiff's, like CSI drivers): name the provisioner on
    /// the claim and leave the work to it; the volume it creates is pre-bound to the claim and bound on its next sync.
    /// </summary>
    private async Task ProvisionClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var className = VolumeMatcher.ClaimClass(claim);
        var storageClass = _classes.Indexer.Get(className);
        if (storageClass is null)
        {
            _recorder.Event(claim, "Warning", "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found");
            await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
            return;
        }

        var provisioner = storageClass.Provisioner ?? "";
        if (provisioner == NotSupportedProvisioner)
        {
            // The class of statically provisioned volumes (local volumes, typically): nobody will create one.
            _recorder.Event(claim, "Warning", "ProvisioningFailed", $"no volume plugin matched name: {provisioner}");
            await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
            return;
        }

        var annotations = claim.Metadata.Annotations ??= new Dictionary<string, string>();
        if (Objects.Annotation(claim.Metadata, VolumeAnnotations.StorageProvisioner) != provisioner ||
            Objects.Annotation(claim.Metadata, VolumeAnnotations.BetaStorageProvisioner) != provisioner)
        {
            annotations[VolumeAnnotations.StorageProvisioner] = provisioner;
            annotations[VolumeAnnotations.BetaStorageProvisioner] = provisioner;
            claim = _claimWrites.Record(await _claimClient.UpdateAsync(claim, ct).ConfigureAwait(false));
        }

        _recorder.Event(claim, "Normal", "ExternalProvisioning",
            $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
        await UpdateClaimStatusAsync(claim, "Pending", null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// bind: claimRef on the volume, the volume Bound, volumeName and the bind annotations on the claim, the claim
    /// Bound with the volume's capacity and access modes, in that order (each step is skipped when already done),
    /// so a crash between steps leaves a half bind that the next sync of either side completes.
    /// </summary>
    private async Task BindAsync(V1PersistentVolume volume, V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        volume = await BindVolumeToClaimAsync(volume, claim, ct).ConfigureAwait(false);
        volume = await UpdateVolumePhaseAsync(volume, "Bound", null, null, ct).ConfigureAwait(false);
        claim = await BindClaimToVolumeAsync(claim, volume, ct).ConfigureAwait(false);
        await UpdateClaimStatusAsync(claim, "Bound", volume, ct).ConfigureAwait(false);
    }

    private async Task<V1PersistentVolume> BindVolumeToClaimAsync(V1PersistentVolume volume, V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var spec = volume.Spec!;
        var current = spec.ClaimRef;
        if (current is not null && current.Name == claim.Metadata.Name && current.NamespaceProperty == claim.Metadata.NamespaceProperty && current.Uid == claim.Metadata.Uid)
        {
            return volume;
        }

        // A volume the user pre-bound (claimRef by name) keeps no bound-by-controller mark: unbinding it later only clears the uid.
        var byController = !VolumeMatcher.IsBoundTo(volume, claim);
        spec.ClaimRef = new V1ObjectReference
        {
            Kind = "PersistentVolumeClaim",
            ApiVersion = "v1",
            NamespaceProperty = claim.Metadata.NamespaceProperty,
            Name = claim.Metadata.Name,
            Uid = claim.Metadata.Uid,
            ResourceVersion = claim.Metadata.ResourceVersion,
        };
        if (byController)
        {
            (volume.Metadata.Annotations ??= new Dictionary<string, string>())[VolumeAnnotations.BoundByController] = "yes";
        }

        var updated = _volumeWrites.Record(await _volumeClient.UpdateAsync(volume, ct).ConfigureAwait(false));
        Log.VolumeBound(_logger, volume.Metadata.Name, ObjectKey.Of(claim));
        return updated;
    }

    private async Task<V1PersistentVolumeClaim> BindClaimToVolumeAsync(V1PersistentVolumeClaim claim, V1PersistentVolume volume, CancellationToken ct)
    {
        var dirty = false;
        var annotations = claim.Metadata.Annotations ??= new Dictionary<string, string>();
        if (claim.Spec!.VolumeName != volume.Metadata.Name)
        {
            claim.Spec.VolumeName = volume.Metadata.Name;
            annotations[VolumeAnnotations.BoundByController] = "yes";
            dirty = true;
        }

        if (!annotations.ContainsKey(VolumeAnnotations.BindCompleted))
        {
            annotations[VolumeAnnotations.BindCompleted] = "yes";
            dirty = true;
        }

        return dirty ? _claimWrites.Record(await _claimClient.UpdateAsync(claim, ct).ConfigureAwait(false)) : claim;
    }

    /// <summary>unbindVolume: forget a claim that went elsewhere (all of claimRef if we set it, else only its uid).</summary>
    private async Task UnbindVolumeAsync(V1PersistentVolume volume, CancellationToken ct)
    {
        if (volume.Metadata.Annotations?.Remove(VolumeAnnotations.BoundByController) == true)
        {
            volume.Spec!.ClaimRef = null;
            if (volume.Metadata.Annotations.Count == 0)
            {
                volume.Metadata.Annotations = null;
            }
        }
        else
        {
            volume.Spec!.ClaimRef!.Uid = null;
        }

        volume = _volumeWrites.Record(await _volumeClient.UpdateAsync(volume, ct).ConfigureAwait(false));
        await UpdateVolumePhaseAsync(volume, "Available", null, null, ct).ConfigureAwait(false);
    }

    private async Task ClaimLostAsync(V1PersistentVolumeClaim claim, string reason, string message, CancellationToken ct)
    {
        if (claim.Status?.Phase != "Lost")
        {
            await UpdateClaimStatusAsync(claim, "Lost", null, ct).ConfigureAwait(false);
            _recorder.Event(claim, "Warning", reason, message);
            Log.ClaimLost(_logger, ObjectKey.Of(claim), message);
        }
    }

    /// <summary>updateClaimStatus: the phase, and capacity and access modes from the bound volume (cleared without one).</summary>
    private async Task<V1PersistentVolumeClaim> UpdateClaimStatusAsync(V1PersistentVolumeClaim claim, string phase, V1PersistentVolume? volume, CancellationToken ct)
    {
        var status = claim.Status ??= new V1PersistentVolumeClaimStatus();
        var before = Objects.Clone(status);
        status.Phase = phase;
        if (volume is null)
        {
            status.AccessModes = null;
            status.Capacity = null;
        }
        else
        {
            status.AccessModes = volume.Spec?.AccessModes is { } modes ? [.. modes] : null;
            if (volume.Spec?.Capacity is { } capacity && capacity.TryGetValue("storage", out var storage))
            {
                status.Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = storage };
            }
        }

        if (Objects.JsonEqual(before, status))
        {
            return claim;
        }

        return _claimWrites.Record(await _claimClient.UpdateAsync(claim, ct, "status").ConfigureAwait(false));
    }

    private async Task<V1PersistentVolume> UpdateVolumePhaseAsync(V1PersistentVolume volume, string phase, string? reason, string? message, CancellationToken ct)
    {
        var status = volume.Status ??= new V1PersistentVolumeStatus();
        if (status.Phase == phase && status.Reason == reason && status.Message == message)
        {
            return volume;
        }

        status.Phase = phase;
        status.Reason = reason;
        status.Message = message;
        return _volumeWrites.Record(await _volumeClient.UpdateAsync(volume, ct, "status").ConfigureAwait(false));
    }

    /// <summary>Whether binding waits for the scheduler: a WaitForFirstConsumer class and no node chosen yet.</summary>
    private bool ShouldDelayBinding(V1PersistentVolumeClaim claim)
    {
        if (HasAnnotation(claim.Metadata, VolumeAnnotations.SelectedNode))
        {
            return false;
        }

        var className = VolumeMatcher.ClaimClass(claim);
        return className != "" && _classes.Indexer.Get(className)?.VolumeBindingMode == "WaitForFirstConsumer";
    }

    /// <summary>The default class (GetDefaultClass since 1.26): the newest of those marked default, by name if equally new.</summary>
    private V1StorageClass? DefaultClass() =>
        _classes.Indexer.List()
            .Where(c => IsDefault(c.Metadata))
            .OrderByDescending(c => c.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(c => c.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();

    internal static bool IsDefault(V1ObjectMeta meta) =>
        Objects.Annotation(meta, VolumeAnnotations.DefaultClass) == "true" || Objects.Annotation(meta, VolumeAnnotations.BetaDefaultClass) == "true";

    private static bool HasAnnotation(V1ObjectMeta meta, string key) => meta.Annotations?.ContainsKey(key) == true;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "VolumeBound", Level = LogLevel.Information, Message = "persistentvolume {Volume} bound to claim {Claim}")]
        public static partial void VolumeBound(ILogger logger, string volume, string claim);

        [LoggerMessage(EventId = 2, EventName = "VolumeReleased", Level = LogLevel.Information, Message = "persistentvolume {Volume} released: its claim {Claim} is gone")]
        public static partial void VolumeReleased(ILogger logger, string volume, string claim);

        [LoggerMessage(EventId = 3, EventName = "ClaimLost", Level = LogLevel.Warning, Message = "persistentvolumeclaim {Claim} lost: {Why}")]
        public static partial void ClaimLost(ILogger logger, string claim, string why);

        [LoggerMessage(EventId = 4, EventName = "RequestedVolumeMissing", Level = LogLevel.Information, Message = "persistentvolumeclaim {Claim} asks for persistentvolume {Volume}, which does not exist yet")]
        public static partial void RequestedVolumeMissing(ILogger logger, string claim, string volume);

        [LoggerMessage(EventId = 5, EventName = "DefaultClassAssigned", Level = LogLevel.Information, Message = "persistentvolumeclaim {Claim} had no storage class: assigned the default {Class}")]
        public static partial void DefaultClassAssigned(ILogger logger, string claim, string @class);
    }
}
