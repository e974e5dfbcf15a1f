using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.GarbageCollector;

/// <summary>
/// The garbage collector, after kube-controller-manager's pkg/controller/garbagecollector: it watches the
/// metadata of every deletable resource, keeps the ownerReferences graph as an owner-UID index over those caches
/// plus a UID map, and for each object decides as attemptToDeleteItem does: owners that exist keep it (dangling
/// references are removed); when every owner is gone it is deleted (background); when an owner is being deleted
/// in the foreground it is deleted too, in the foreground itself if it has dependents of its own. Owners with the
/// <c>orphan</c> finalizer have the references to them removed from their dependents, owners with
/// <c>foregroundDeletion</c> lose that finalizer once no dependent with blockOwnerDeletion is left.
/// Keys are <c>group/plural|namespace/name</c>.
/// </summary>
internal sealed partial class GarbageCollector : IController
{
    private readonly Dictionary<string, Monitor> _monitors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _uidToKey = new(StringComparer.Ordinal);
    private readonly Func<ApiResource, IResourceClient<ObjectMetadata>> _clientFor;
    private readonly Func<string, string, ApiResource?> _resolveKind;
    private readonly ILogger _logger;

    public GarbageCollector(
        IEnumerable<(ApiResource Resource, IInformer<ObjectMetadata> Informer)> monitors,
        Func<ApiResource, IResourceClient<ObjectMetadata>> clientFor,
        Func<string, string, ApiResource?> resolveKind,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _clientFor = clientFor;
        _resolveKind = resolveKind;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        foreach (var (resource, informer) in monitors)
        {
            var prefix = resource.Group + "/" + resource.Plural;
            var monitor = new Monitor(resource, informer, prefix);
            _monitors[prefix] = monitor;
            informer.Indexer.AddIndex(Indexers.OwnerUid, Indexers.ByOwnerUid);
            informer.AddEventHandler(new ResourceEventHandler<ObjectMetadata>(
                o => OnChange(monitor, null, o),
                (old, cur) => OnChange(monitor, old, cur),
                o => OnDelete(monitor, o)));
        }
    }

    public string Name => "garbagecollector";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_monitors.Values.Select(m => m.Informer.WaitForSyncAsync(cancellationToken))).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private static string KeyOf(Monitor m, ObjectMetadata o) => m.Prefix + "|" + ObjectKey.Of(o);

    private void OnChange(Monitor monitor, ObjectMetadata? old, ObjectMetadata cur)
    {
        var key = KeyOf(monitor, cur);
        _uidToKey[cur.Metadata.Uid] = key;
        if (old is not null && old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return;
        }

        if (cur.Metadata.OwnerReferences is { Count: > 0 } || cur.Metadata.DeletionTimestamp is not null)
        {
            Queue.Add(key);
        }

        // A dependent that changed its references may unblock an owner's foreground deletion.
        foreach (var r in old?.Metadata.OwnerReferences ?? [])
        {
            EnqueueIfDeletingDependents(r.Uid);
        }
    }

    private void OnDelete(Monitor monitor, ObjectMetadata obj)
    {
        _uidToKey.TryRemove(new KeyValuePair<string, string>(obj.Metadata.Uid, KeyOf(monitor, obj)));
        foreach (var dependent in Dependents(obj.Metadata.Uid))
        {
            Queue.Add(dependent.Key);
        }

        foreach (var r in obj.Metadata.OwnerReferences ?? [])
        {
            EnqueueIfDeletingDependents(r.Uid);
        }
    }

    private void EnqueueIfDeletingDependents(string uid)
    {
        if (Lookup(uid) is { } owner && owner.Object.Metadata.Finalizers?.Contains("foregroundDeletion") == true)
        {
            Queue.Add(owner.Key);
        }
    }

    private (string Key, Monitor Monitor, ObjectMetadata Object)? Lookup(string uid)
    {
        if (!_uidToKey.TryGetValue(uid, out var key))
        {
            return null;
        }

        var (monitor, nsName) = Split(key);
        var obj = monitor?.Informer.Indexer.Get(nsName);
        return obj is null || obj.Metadata.Uid != uid ? null : (key, monitor!, obj);
    }

    private (Monitor? Monitor, string NsName) Split(string key)
    {
        var bar = key.IndexOf('|');
        return bar < 0 ? (null, key) : (_monitors.GetValueOrDefault(key[..bar]), key[(bar + 1)..]);
    }

    private List<(string Key, Monitor Monitor, ObjectMetadata Object)> Dependents(string ownerUid) =>
        _monitors.Values.SelectMany(m => m.Informer.Indexer.ByIndex(Indexers.OwnerUid, ownerUid).Select(o => (KeyOf(m, o), m, o))).ToList();

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var (monitor, nsName) = Split(key);
        var obj = monitor?.Informer.Indexer.Get(nsName);
        if (monitor is null || obj is null)
        {
            return;
        }

        var meta = obj.Metadata;
        if (meta.DeletionTimestamp is not null)
        {
            if (meta.Finalizers?.Contains("orphan") == true)
            {
                await OrphanDependentsAsync(monitor, obj, cancellationToken).ConfigureAwait(false);
            }
            else if (meta.Finalizers?.Contains("foregroundDeletion") == true)
            {
                await ProcessForegroundAsync(monitor, obj, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (meta.OwnerReferences is not { Count: > 0 } refs)
        {
            return;
        }

        var solid = new List<V1OwnerReference>();
        var dangling = new List<V1OwnerReference>();
        var waiting = new List<V1OwnerReference>();
        foreach (var r in refs)
        {
            var (exists, owner) = await OwnerAsync(r, meta.NamespaceProperty, cancellationToken).ConfigureAwait(false);
            if (!exists)
            {
                dangling.Add(r);
            }
            else if (owner?.Metadata.DeletionTimestamp is not null && owner.Metadata.Finalizers?.Contains("foregroundDeletion") == true)
            {
                waiting.Add(r);
            }
            else
            {
                solid.Add(r);
            }
        }

        var client = _clientFor(monitor.Resource);
        if (solid.Count > 0)
        {
            if (dangling.Count + waiting.Count == 0)
            {
                return;
            }

            // Some owners remain: only the references to absent or foreground-deleting owners go.
            var gone = dangling.Concat(waiting).Select(r => r.Uid).ToHashSet(StringComparer.Ordinal);
            var keep = refs.Where(r => !gone.Contains(r.Uid)).ToList();
            await ApiErrors.IgnoreNotFoundAsync(() => client.PatchAsync(meta.NamespaceProperty, meta.Name, OwnerPatches.OwnerReferences(meta, keep), cancellationToken)).ConfigureAwait(false);
            return;
        }

        string policy;
        if (waiting.Count > 0 && Dependents(meta.Uid).Count > 0)
        {
            // It blocks an owner's foreground deletion and has dependents of its own: delete it the same way.
            policy = "Foreground";
        }
        else
        {
            policy = meta.Finalizers?.Contains("orphan") == true ? "Orphan" : meta.Finalizers?.Contains("foregroundDeletion") == true ? "Foreground" : "Background";
        }

        Log.Deleting(_logger, key, policy);
        await ApiErrors.IgnoreNotFoundAsync(() => client.DeleteAsync(meta.NamespaceProperty, meta.Name, new V1DeleteOptions
        {
            PropagationPolicy = policy,
            Preconditions = new V1Preconditions { Uid = meta.Uid },
        }, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Whether an owner exists, from the caches first and else by a live GET (the cache may lag a new owner).</summary>
    private async Task<(bool Exists, ObjectMetadata? Owner)> OwnerAsync(V1OwnerReference r, string? ns, CancellationToken cancellationToken)
    {
        if (Lookup(r.Uid) is { } cached)
        {
            return (true, cached.Object);
        }

        var group = r.ApiVersion.Contains('/') ? r.ApiVersion[..r.ApiVersion.IndexOf('/')] : "";
        var resource = _resolveKind(group, r.Kind);
        if (resource is null)
        {
            // An owner kind this server does not serve (yet): leave the dependent alone, as an unresolvable mapping does in Kubernetes.
            return (true, null);
        }

        try
        {
            var live = await _clientFor(resource).GetAsync(resource.Namespaced ? ns : null, r.Name, cancellationToken).ConfigureAwait(false);
            return live.Metadata.Uid == r.Uid ? (true, live) : (false, null);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return (false, null);
        }
    }

    private async Task OrphanDependentsAsync(Monitor monitor, ObjectMetadata owner, CancellationToken cancellationToken)
    {
        var uid = owner.Metadata.Uid;
        foreach (var (_, m, dependent) in Dependents(uid))
        {
            var keep = (dependent.Metadata.OwnerReferences ?? []).Where(r => r.Uid != uid).ToList();
            await ApiErrors.IgnoreNotFoundAsync(() => _clientFor(m.Resource).PatchAsync(dependent.Metadata.NamespaceProperty, dependent.Metadata.Name, OwnerPatches.OwnerReferences(dependent.Metadata, keep), cancellationToken)).ConfigureAwait(false);
        }

        await RemoveFinalizerAsync(monitor, owner, "orphan", cancellationToken).ConfigureAwait(false);
    }

    private async Task ProcessForegroundAsync(Monitor monitor, ObjectMetadata owner, CancellationToken cancellationToken)
    {
        var uid = owner.Metadata.Uid;
        var dependents = Dependents(uid);
        var blocking = 0;
        foreach (var (key, _, dependent) in dependents)
        {
            if (dependent.Metadata.OwnerReferences?.Any(r => r.Uid == uid && r.BlockOwnerDeletion == true) == true)
            {
                blocking++;
            }

            if (dependent.Metadata.DeletionTimestamp is null)
            {
                Queue.Add(key);
            }
        }

        if (blocking == 0)
        {
            await RemoveFinalizerAsync(monitor, owner, "foregroundDeletion", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RemoveFinalizerAsync(Monitor monitor, ObjectMetadata obj, string finalizer, CancellationToken cancellationToken)
    {
        await ApiErrors.IgnoreNotFoundAsync(() => _clientFor(monitor.Resource).PatchAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name, OwnerPatches.WithoutFinalizer(obj.Metadata, finalizer), cancellationToken)).ConfigureAwait(false);
    }

    private sealed record Monitor(ApiResource Resource, IInformer<ObjectMetadata> Informer, string Prefix);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "GarbageCollectorDeleting", Level = LogLevel.Debug, Message = "deleting {Key} (propagation {Policy}): no owner remains")]
        public static partial void Deleting(ILogger logger, string key, string policy);
    }
}
