using System.Collections.Concurrent;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.StaticPods;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Watches the pods bound to this node (field selector spec.nodeName) and runs one <see cref="PodWorker"/> per pod
/// UID. A relister (kubelet's PLEG) lists the runtime's containers every relist period and wakes the workers whose
/// containers changed state; it also finds sandboxes of pods the API no longer has (deleted while the agent was
/// down) and gives them a worker that stops and removes them. Running containers of known pods are adopted as is.
/// Static pods come from the manifest directory (<see cref="StaticPodSource"/>) and run even while the API server is
/// unreachable; their mirror pods in the API are kept by <see cref="MirrorPods"/> and never get a worker of their own.
/// </summary>
internal sealed partial class PodManager
{
    private readonly PodWorkerContext _ctx;
    private readonly ApiConnection _connection;
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private SharedInformer<V1Pod>? _informer;
    private CancellationToken _stopping;
    private Dictionary<string, string> _fingerprints = new(StringComparer.Ordinal);
    private readonly StaticPodSource? _static;
    private readonly MirrorPods? _mirrors;
    private readonly SemaphoreSlim _mirrorKick = new(0, 1);
    private IReadOnlyDictionary<string, V1Pod> _staticPods = new Dictionary<string, V1Pod>();
    private readonly SharedPodFeed? _feed;

    /// <param name="feed">A pod informer shared by the node agents of this process (<c>skiff sim</c>); null watches this node's pods alone.</param>
    public PodManager(PodWorkerContext context, ApiConnection connection, SharedPodFeed? feed = null)
    {
        _ctx = context;
        _connection = connection;
        _feed = feed;
        _logger = context.Logger;
        if (context.Options.StaticPodPath is { Length: > 0 } path)
        {
            _static = new StaticPodSource(path, context.Options.NodeName, context.Options.StaticPodCheckInterval, context.Time, context.Logger);
            _mirrors = new MirrorPods(context.Pods, connection.For<V1Node>(ApiResource.Nodes), context.Options.NodeName, context.Logger);
        }
    }

    /// <summary>The pods this node knows, by namespace/name (for the log server); a mirror pod's name gives its static pod.</summary>
    public V1Pod? Get(string ns, string name)
    {
        var pod = _feed is null ? _informer?.Indexer.Get(ns, name) : _feed.Informer.Indexer.Get(ns, name) is { } shared && shared.Spec?.NodeName == _ctx.Options.NodeName ? shared : null;
        if (pod is null || StaticPodManifests.IsMirror(pod))
        {
            return _staticPods.Values.FirstOrDefault(p => p.Metadata.NamespaceProperty == ns && p.Metadata.Name == name) ?? pod;
        }

        return pod;
    }

    /// <summary>Wakes the worker of the pod <paramref name="uid"/> (a probe result changed).</summary>
    public void Wake(string uid) => Worker(uid, null, create: false)?.Signal();

    /// <summary>Number of pod workers running (for the benchmark and tests).</summary>
    public int WorkerCount => _workers.Count;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;

        // Static pods start at once, before (and without) the API server.
        var statics = _static is null ? Task.CompletedTask : Task.Run(() => _static.RunAsync(OnStaticPods, cancellationToken), CancellationToken.None);
        if (_feed is not null)
        {
            try
            {
                _feed.Subscribe(_ctx.Options.NodeName, this);
                await _feed.Informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
                await RelistLoopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            finally
            {
                _feed.Unsubscribe(_ctx.Options.NodeName);
            }

            await statics.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        _informer = new SharedInformer<V1Pod>(
            new ListWatch<V1Pod>(_connection.For<V1Pod>(ApiResource.Pods), null, null, "spec.nodeName=" + _ctx.Options.NodeName),
            new InformerOptions(),
            _ctx.Time,
            _logger,
            "pods");
        _informer.AddEventHandler(new ResourceEventHandler<V1Pod>(
            onAdd: Dispatch,
            onUpdate: (_, pod) => Dispatch(pod),
            onDelete: OnDeleted));
        var informer = Task.Run(() => _informer.RunAsync(cancellationToken), CancellationToken.None);
        var mirrors = Task.CompletedTask;
        try
        {
            await _informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            mirrors = Task.Run(() => MirrorLoopAsync(cancellationToken), CancellationToken.None);
            await RelistLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(informer, statics, mirrors).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>A pod of this node was added or changed in the API (from the informer or a <see cref="SharedPodFeed"/>).</summary>
    internal void OnPodChanged(V1Pod pod) => Dispatch(pod);

    /// <summary>A pod of this node was deleted from the API.</summary>
    internal void OnPodDeleted(V1Pod pod) => OnDeleted(pod);

    private void OnDeleted(V1Pod pod)
    {
        if (StaticPodManifests.IsMirror(pod))
        {
            KickMirrors();
            return;
        }

        Worker(pod.Metadata.Uid, null, create: false)?.Update(null);
    }

    /// <summary>The manifest directory changed: start workers of new static pods, stop those of removed (or edited) ones.</summary>
    private void OnStaticPods(IReadOnlyDictionary<string, V1Pod> pods)
    {
        var old = _staticPods;
        _staticPods = pods;
        foreach (var (uid, pod) in pods)
        {
            if (!old.ContainsKey(uid))
            {
                Worker(uid, pod, create: true)?.Update(pod);
            }
        }

        foreach (var uid in old.Keys.Where(u => !pods.ContainsKey(u)))
        {
            Worker(uid, null, create: false)?.Update(null);
        }

        KickMirrors();
    }

    private void KickMirrors()
    {
        try
        {
            _mirrorKick.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Keeps the mirror pods in step with the static pods: on every change of either, and every 10 s.</summary>
    private async Task MirrorLoopAsync(CancellationToken cancellationToken)
    {
        if (_mirrors is null || _informer is null)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var mirrors = _informer.Indexer.List().Where(StaticPodManifests.IsMirror).ToList();
            foreach (var uid in await _mirrors.SyncAsync(_staticPods, mirrors, cancellationToken).ConfigureAwait(false))
            {
                Worker(uid, null, create: false)?.ResetStatus();
            }

            await _mirrorKick.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
    }

    private void Dispatch(V1Pod pod)
    {
        if (pod.Metadata?.Uid is not { } uid)
        {
            return;
        }

        if (StaticPodManifests.IsMirror(pod))
        {
            // A mirror pod only reflects its static pod; a change of it (a deletion, an edit) is the mirror loop's business.
            KickMirrors();
            return;
        }

        Worker(uid, pod, create: true)?.Update(pod);
    }

    /// <summary>
    /// The worker of <paramref name="uid"/>; with <paramref name="create"/>, starts one when none runs (with a null
    /// <paramref name="pod"/> for an orphan, which the worker stops and removes).
    /// </summary>
    private PodWorker? Worker(string uid, V1Pod? pod, bool create)
    {
        if (_workers.TryGetValue(uid, out var existing))
        {
            return existing;
        }

        if (!create)
        {
            return null;
        }

        var worker = new PodWorker(_ctx, uid, pod);
        if (!_workers.TryAdd(uid, worker))
        {
            return _workers[uid];
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await worker.RunAsync(_stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.WorkerCrashed(_logger, uid, ex);
            }
            finally
            {
                _workers.TryRemove(new KeyValuePair<string, PodWorker>(uid, worker));
            }
        }, CancellationToken.None);
        return worker;
    }

    private async Task RelistLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_ctx.Options.RelistInterval, _ctx.Time);
        var round = 0;
        do
        {
            try
            {
                await RelistAsync(round++ % 10 == 0, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RuntimeException or HttpRequestException)
            {
                Log.RelistFailed(_logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    internal async Task RelistAsync(bool findOrphans, CancellationToken cancellationToken)
    {
        var containers = await _ctx.Runtime.ListContainersAsync(null, cancellationToken).ConfigureAwait(false);
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in containers.Where(c => c.Labels.ContainsKey(KubeletLabels.PodUid)).GroupBy(c => c.Labels[KubeletLabels.PodUid]))
        {
            fingerprints[group.Key] = Fingerprint(group);
        }

        // A worker is woken when its pod's containers changed, unless it has already seen them as they are now (most
        // changes during a pod start are the worker's own doing and are in the status it wrote).
        foreach (var (uid, fingerprint) in fingerprints)
        {
            if ((!_fingerprints.TryGetValue(uid, out var old) || old != fingerprint) && Worker(uid, null, create: false) is { } worker && worker.ObservedFingerprint != fingerprint)
            {
                worker.Signal();
            }
        }

        foreach (var uid in _fingerprints.Keys.Where(u => !fingerprints.ContainsKey(u)))
        {
            if (Worker(uid, null, create: false) is { } worker && worker.ObservedFingerprint != Fingerprint([]))
            {
                worker.Signal();
            }
        }

        _fingerprints = fingerprints;

        var synced = _feed?.Informer.HasSynced ?? _informer?.HasSynced ?? false;
        if (findOrphans && synced)
        {
            var apiPods = _feed is not null ? _feed.PodsOf(_ctx.Options.NodeName) : _informer!.Indexer.List();
            var known = apiPods.Select(p => p.Metadata.Uid).Concat(_staticPods.Keys).ToHashSet(StringComparer.Ordinal);
            var sandboxes = await _ctx.Runtime.ListPodSandboxesAsync(null, cancellationToken).ConfigureAwait(false);
            foreach (var uid in sandboxes.Select(s => s.Labels.GetValueOrDefault(KubeletLabels.PodUid)).Concat(fingerprints.Keys).Distinct())
            {
                if (uid is null || known.Contains(uid) || _workers.ContainsKey(uid))
                {
                    continue;
                }

                Log.Orphan(_logger, uid);
                Worker(uid, null, create: true);
            }
        }
    }

    /// <summary>One pod's containers and their states, comparable between two lists of the runtime.</summary>
    internal static string Fingerprint(IEnumerable<Container> containers)
    {
        var sb = new StringBuilder();
        foreach (var c in containers.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            sb.Append(c.Id).Append(':').Append((int)c.State).Append(';');
        }

        return sb.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PodWorkerCrashed", Level = LogLevel.Error, Message = "pod worker for {Uid} failed")]
        public static partial void WorkerCrashed(ILogger logger, string uid, Exception ex);

        [LoggerMessage(EventId = 2, EventName = "RelistFailed", Level = LogLevel.Warning, Message = "cannot list the runtime's containers: {Error}")]
        public static partial void RelistFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 3, EventName = "OrphanedPod", Level = LogLevel.Information, Message = "pod {Uid} is no longer in the API; stopping and removing its sandbox and containers")]
        public static partial void Orphan(ILogger logger, string uid);
    }
}
