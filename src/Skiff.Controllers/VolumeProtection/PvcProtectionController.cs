using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.PersistentVolume;

namespace Skiff.Controllers.VolumeProtection;

/// <summary>
/// kube-controller-manager's pvc-protection controller: a claim being deleted keeps its
/// <c>kubernetes.io/pvc-protection</c> finalizer (and so shows Terminating) while a scheduled pod that has not
/// finished uses it, and loses it once none does. Before removing it, the pods are listed from the server, not the
/// cache, because a pod created a moment ago would otherwise lose its volume.
/// </summary>
internal sealed partial class PvcProtectionController : IController
{
    private readonly IInformer<V1PersistentVolumeClaim> _claims;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V1PersistentVolumeClaim> _claimClient;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly ILogger _logger;

    public PvcProtectionController(
        IInformer<V1PersistentVolumeClaim> claims,
        IInformer<V1Pod> pods,
        IResourceClient<V1PersistentVolumeClaim> claimClient,
        IResourceClient<V1Pod> podClient,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _claims = claims;
        _pods = pods;
        _claimClient = claimClient;
        _podClient = podClient;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        claims.AddEventHandler(new ResourceEventHandler<V1PersistentVolumeClaim>(EnqueueClaim, (_, c) => EnqueueClaim(c)));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(PodChanged, (_, p) => PodChanged(p), PodChanged));
    }

    public string Name => "pvc-protection";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_claims.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueClaim(V1PersistentVolumeClaim claim)
    {
        if (claim.Metadata.DeletionTimestamp is not null && claim.Metadata.Finalizers?.Contains(VolumeAnnotations.PvcProtectionFinalizer) == true)
        {
            Queue.Add(ObjectKey.Of(claim));
        }
    }

    private void PodChanged(V1Pod pod)
    {
        // A pod that goes away or finishes may be the last user of a claim being deleted.
        foreach (var name in ClaimNames(pod))
        {
            if (_claims.Indexer.Get(pod.Metadata.NamespaceProperty, name) is { } claim)
            {
                EnqueueClaim(claim);
            }
        }
    }

    /// <summary>The claims a pod's volumes name (persistentVolumeClaim volumes and the claims of generic ephemeral volumes).</summary>
    internal static IEnumerable<string> ClaimNames(V1Pod pod) =>
        (pod.Spec?.Volumes ?? []).Select(v => v.PersistentVolumeClaim?.ClaimName ?? (v.Ephemeral is not null ? $"{pod.Metadata.Name}-{v.Name}" : null))
            .Where(n => !string.IsNullOrEmpty(n))!;

    /// <summary>podUsesPVC: scheduled (the kubelet only starts scheduled pods), not finished, and naming the claim.</summary>
    internal static bool Uses(V1Pod pod, string claimName) =>
        !string.IsNullOrEmpty(pod.Spec?.NodeName) && !Pods.IsTerminal(pod) && ClaimNames(pod).Contains(claimName);

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var claim = _claims.Indexer.Get(key);
        if (claim is null || claim.Metadata.DeletionTimestamp is null || claim.Metadata.Finalizers?.Contains(VolumeAnnotations.PvcProtectionFinalizer) != true)
        {
            return;
        }

        var ns = claim.Metadata.NamespaceProperty;
        var name = claim.Metadata.Name;
        if (_pods.Indexer.ListNamespace(ns).Any(p => Uses(p, name)))
        {
            return;
        }

        var live = await _podClient.ListAsync(ns, new ListOptions(), cancellationToken).ConfigureAwait(false);
        if ((live.Items ?? []).Any(p => Uses(p, name)))
        {
            return;
        }

        try
        {
            await _claimClient.PatchAsync(ns, name, OwnerPatches.WithoutFinalizer(claim.Metadata, VolumeAnnotations.PvcProtectionFinalizer), cancellationToken).ConfigureAwait(false);
            Log.FinalizerRemoved(_logger, key);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PvcProtectionRemoved", Level = LogLevel.Information, Message = "persistentvolumeclaim {Claim} is used by no pod: removed its kubernetes.io/pvc-protection finalizer")]
        public static partial void FinalizerRemoved(ILogger logger, string claim);
    }
}
