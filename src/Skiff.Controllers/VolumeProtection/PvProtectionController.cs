using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.PersistentVolume;

namespace Skiff.Controllers.VolumeProtection;

/// <summary>
/// kube-controller-manager's pv-protection controller: a volume being deleted keeps its
/// <c>kubernetes.io/pv-protection</c> finalizer while it is Bound to a claim, and loses it otherwise.
/// </summary>
internal sealed partial class PvProtectionController : IController
{
    private readonly IInformer<V1PersistentVolume> _volumes;
    private readonly IResourceClient<V1PersistentVolume> _client;
    private readonly ILogger _logger;

    public PvProtectionController(IInformer<V1PersistentVolume> volumes, IResourceClient<V1PersistentVolume> client, TimeProvider timeProvider, ILogger logger)
    {
        _volumes = volumes;
        _client = client;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        volumes.AddEventHandler(new ResourceEventHandler<V1PersistentVolume>(Enqueue, (_, v) => Enqueue(v)));
    }

    public string Name => "pv-protection";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _volumes.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(V1PersistentVolume volume)
    {
        if (volume.Metadata.DeletionTimestamp is not null && volume.Metadata.Finalizers?.Contains(VolumeAnnotations.PvProtectionFinalizer) == true)
        {
            Queue.Add(volume.Metadata.Name);
        }
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var volume = _volumes.Indexer.Get(key);
        if (volume is null || volume.Metadata.DeletionTimestamp is null || volume.Metadata.Finalizers?.Contains(VolumeAnnotations.PvProtectionFinalizer) != true ||
            volume.Status?.Phase == "Bound")
        {
            return;
        }

        try
        {
            await _client.PatchAsync(null, key, OwnerPatches.WithoutFinalizer(volume.Metadata, VolumeAnnotations.PvProtectionFinalizer), cancellationToken).ConfigureAwait(false);
            Log.FinalizerRemoved(_logger, key);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PvProtectionRemoved", Level = LogLevel.Information, Message = "persistentvolume {Volume} is not bound: removed its kubernetes.io/pv-protection finalizer")]
        public static partial void FinalizerRemoved(ILogger logger, string volume);
    }
}
