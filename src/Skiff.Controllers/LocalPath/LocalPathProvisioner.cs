using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.PersistentVolume;

namespace Skiff.Controllers.LocalPath;

/// <summary>
/// The dynamic provisioner of classes with provisioner <c>skiff.io/local-path</c>, in the manner of an external
/// provisioner (sig-storage-lib-external-provisioner) and of k3s's local-path-provisioner: for a claim the binder
/// handed to it (volume.kubernetes.io/storage-provisioner) and, for a WaitForFirstConsumer class, placed on a node by
/// the scheduler (volume.kubernetes.io/selected-node), it creates the hostPath volume <c>pvc-&lt;uid&gt;</c> pre-bound
/// to the claim and pinned to that node, under <c>&lt;storage dir&gt;/pvc-&lt;uid&gt;_&lt;ns&gt;_&lt;name&gt;</c>. The
/// requested size is recorded as the capacity, not enforced. When such a volume is Released with reclaim policy
/// Delete, it removes the directory and then the volume. Directories live on the node's disk, so it creates and
/// removes only those of the node it runs on.
/// </summary>
internal sealed partial class LocalPathProvisioner : IController
{
    public const string ProvisionerName = "skiff.io/local-path";

    private const string ClaimPrefix = "claim:";
    private const string VolumePrefix = "volume:";

    private readonly IInformer<V1PersistentVolumeClaim> _claims;
    private readonly IInformer<V1PersistentVolume> _volumes;
    private readonly IInformer<V1StorageClass> _classes;
    private readonly IResourceClient<V1PersistentVolume> _volumeClient;
    private readonly IEventRecorder _recorder;
    private readonly LocalPathOptions _options;
    private readonly ILogger _logger;

    public LocalPathProvisioner(
        IInformer<V1PersistentVolumeClaim> claims,
        IInformer<V1PersistentVolume> volumes,
        IInformer<V1StorageClass> classes,
        IResourceClient<V1PersistentVolume> volumeClient,
        IEventRecorder recorder,
        LocalPathOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _claims = claims;
        _volumes = volumes;
        _classes = classes;
        _volumeClient = volumeClient;
        _recorder = recorder;
        _options = options;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        claims.AddEventHandler(new ResourceEventHandler<V1PersistentVolumeClaim>(EnqueueClaim, (_, c) => EnqueueClaim(c)));
        volumes.AddEventHandler(new ResourceEventHandler<V1PersistentVolume>(EnqueueVolume, (_, v) => EnqueueVolume(v)));
    }

    public string Name => "local-path-provisioner";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_claims.WaitForSyncAsync(cancellationToken), _volumes.WaitForSyncAsync(cancellationToken), _classes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The directory of a claim's volume: <c>pvc-&lt;uid&gt;_&lt;namespace&gt;_&lt;name&gt;</c> under the storage directory.</summary>
    public string DirectoryFor(V1PersistentVolumeClaim claim) =>
        Path.Combine(_options.StorageDirectory, $"pvc-{claim.Metadata.Uid}_{claim.Metadata.NamespaceProperty}_{claim.Metadata.Name}");

    private void EnqueueClaim(V1PersistentVolumeClaim claim)
    {
        if (string.IsNullOrEmpty(claim.Spec?.VolumeName) && IsOurs(claim))
        {
            Queue.Add(ClaimPrefix + ObjectKey.Of(claim));
        }
    }

    private void EnqueueVolume(V1PersistentVolume volume)
    {
        if (Objects.Annotation(volume.Metadata, VolumeAnnotations.ProvisionedBy) == ProvisionerName && volume.Status?.Phase == "Released")
        {
            Queue.Add(VolumePrefix + volume.Metadata.Name);
        }
    }

    private static bool IsOurs(V1PersistentVolumeClaim claim) =>
        Objects.Annotation(claim.Metadata, VolumeAnnotations.StorageProvisioner) == ProvisionerName ||
        Objects.Annotation(claim.Metadata, VolumeAnnotations.BetaStorageProvisioner) == ProvisionerName;

    internal Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (key.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            return _claims.Indexer.Get(key[ClaimPrefix.Length..]) is { } claim ? ProvisionAsync(claim, cancellationToken) : Task.CompletedTask;
        }

        if (key.StartsWith(VolumePrefix, StringComparison.Ordinal))
        {
            return _volumes.Indexer.Get(key[VolumePrefix.Length..]) is { } volume ? DeleteAsync(volume, cancellationToken) : Task.CompletedTask;
        }

        return Task.CompletedTask;
    }

    private async Task ProvisionAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(claim.Spec?.VolumeName) || claim.Metadata.DeletionTimestamp is not null || !IsOurs(claim))
        {
            return;
        }

        var className = VolumeMatcher.ClaimClass(claim);
        if (_classes.Indexer.Get(className) is not { } storageClass || storageClass.Provisioner != ProvisionerName)
        {
            return;
        }

        var volumeName = "pvc-" + claim.Metadata.Uid;
        if (_volumes.Indexer.Get(volumeName) is not null)
        {
            // Already provisioned; the binder finishes the bind.
            return;
        }

        string node;
        if (storageClass.VolumeBindingMode == "WaitForFirstConsumer")
        {
            node = Objects.Annotation(claim.Metadata, VolumeAnnotations.SelectedNode);
            if (node.Length == 0)
            {
                // The scheduler has not placed a consumer yet.
                return;
            }
        }
        else
        {
            // Immediate: the volume goes to the node this provisioner serves.
            node = _options.NodeName;
        }

        var refusal = claim.Spec!.Selector is not null ? "claim Selector is not supported"
            : claim.Spec.VolumeMode == "Block" ? "local-path volumes are directories: volumeMode Block is not supported"
            : null;
        if (refusal is not null)
        {
            _recorder.Event(claim, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{className}\": {refusal}");
            return;
        }

        _recorder.Event(claim, "Normal", "Provisioning", $"External provisioner is provisioning volume for claim \"{ObjectKey.Of(claim)}\"");
        var path = DirectoryFor(claim);
        if (node == _options.NodeName)
        {
            try
            {
                CreateDirectory(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _recorder.Event(claim, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{className}\": cannot create {path}: {ex.Message}");
                throw;
            }
        }

        var volume = NewVolume(claim, storageClass, volumeName, path, node);
        try
        {
            await _volumeClient.CreateAsync(volume, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            return;
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            _recorder.Event(claim, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{className}\": {ex.Message}");
            throw;
        }

        _recorder.Event(claim, "Normal", "ProvisioningSucceeded", $"Successfully provisioned volume {volumeName}");
        Log.Provisioned(_logger, volumeName, ObjectKey.Of(claim), path, node);
    }

    /// <summary>The volume for a claim, as k3s's local-path-provisioner shapes it (hostPath DirectoryOrCreate, pinned to the node).</summary>
    internal static V1PersistentVolume NewVolume(V1PersistentVolumeClaim claim, V1StorageClass storageClass, string name, string path, string node) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolume",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Annotations = new Dictionary<string, string> { [VolumeAnnotations.ProvisionedBy] = ProvisionerName },
        },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = claim.Spec!.Resources!.Requests!["storage"] },
            AccessModes = [.. claim.Spec.AccessModes ?? []],
            PersistentVolumeReclaimPolicy = storageClass.ReclaimPolicy ?? "Delete",
            StorageClassName = storageClass.Metadata.Name,
            MountOptions = storageClass.MountOptions is { Count: > 0 } options ? [.. options] : null,
            VolumeMode = "Filesystem",
            HostPath = new V1HostPathVolumeSource { Path = path, Type = "DirectoryOrCreate" },
            ClaimRef = new V1ObjectReference
            {
                Kind = "PersistentVolumeClaim",
                ApiVersion = "v1",
                NamespaceProperty = claim.Metadata.NamespaceProperty,
                Name = claim.Metadata.Name,
                Uid = claim.Metadata.Uid,
                ResourceVersion = claim.Metadata.ResourceVersion,
            },
            NodeAffinity = new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm
                        {
                            MatchExpressions = [new V1NodeSelectorRequirement { Key = VolumeAnnotations.HostnameLabel, OperatorProperty = "In", Values = [node] }],
                        },
                    ],
                },
            },
        },
    };

    private async Task DeleteAsync(V1PersistentVolume volume, CancellationToken ct)
    {
        if (Objects.Annotation(volume.Metadata, VolumeAnnotations.ProvisionedBy) != ProvisionerName || volume.Status?.Phase != "Released" ||
            volume.Spec?.PersistentVolumeReclaimPolicy != "Delete" || volume.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        var node = NodeOf(volume);
        var path = volume.Spec.HostPath?.Path ?? "";
        if (node != _options.NodeName)
        {
            var message = $"the directory {path} of volume {volume.Metadata.Name} is on node {node}; only the provisioner on that node can remove it";
            _recorder.Event(volume, "Warning", "VolumeFailedDelete", message);
            throw new InvalidOperationException(message);
        }

        if (path.Length > 0)
        {
            RemoveDirectory(volume.Metadata.Name, path);
        }

        try
        {
            await _volumeClient.DeleteAsync(null, volume.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = volume.Metadata.Uid } }, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
            return;
        }

        Log.Deleted(_logger, volume.Metadata.Name, path);
    }

    private void CreateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            // Writable by any container user, as k3s's provisioner leaves it (0777): pods rarely run as root.
            File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
        }
    }

    /// <summary>Removes a volume's directory, refusing any path outside the storage directory (the PV's path is user-editable data).</summary>
    private void RemoveDirectory(string volumeName, string path)
    {
        var root = Path.GetFullPath(_options.StorageDirectory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(root, StringComparison.Ordinal) || full.Length == root.Length)
        {
            throw new InvalidOperationException($"volume {volumeName}: refusing to remove {path}, which is not under the local-path storage directory {_options.StorageDirectory}");
        }

        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }
    }

    /// <summary>The node a local volume is pinned to (its kubernetes.io/hostname In [node] term).</summary>
    internal static string NodeOf(V1PersistentVolume volume) =>
        volume.Spec?.NodeAffinity?.Required?.NodeSelectorTerms?
            .SelectMany(t => t.MatchExpressions ?? [])
            .FirstOrDefault(e => e.Key == VolumeAnnotations.HostnameLabel && e.OperatorProperty == "In" && e.Values?.Count == 1)?.Values[0] ?? "";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "VolumeProvisioned", Level = LogLevel.Information, Message = "provisioned persistentvolume {Volume} for claim {Claim} at {Path} on node {Node}")]
        public static partial void Provisioned(ILogger logger, string volume, string claim, string path, string node);

        [LoggerMessage(EventId = 2, EventName = "VolumeDeleted", Level = LogLevel.Information, Message = "deleted persistentvolume {Volume} and its directory {Path} (reclaim policy Delete)")]
        public static partial void Deleted(ILogger logger, string volume, string path);
    }
}
