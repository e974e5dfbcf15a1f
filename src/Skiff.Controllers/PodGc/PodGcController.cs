using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.PodGc;

/// <summary>
/// The pod garbage collector, after kube-controller-manager's podgc controller (pkg/controller/podgc): every
/// check period it deletes the oldest terminated pods beyond the threshold, pods bound to nodes that no longer
/// exist (once the node has been missing for the quarantine time and a live read confirms it is gone), and
/// terminating pods that were never scheduled, which no kubelet would ever finish.
/// </summary>
internal sealed partial class PodGcController : IController
{
    /// <summary>kube's quarantineTime: a node must be missing this long before its pods count as orphaned.</summary>
    public static readonly TimeSpan Quarantine = TimeSpan.FromSeconds(40);

    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Node> _nodes;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IResourceClient<V1Node> _nodeClient;
    private readonly PodGcOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);

    public PodGcController(IInformer<V1Pod> pods, IInformer<V1Node> nodes, IResourceClient<V1Pod> podClient, IResourceClient<V1Node> nodeClient, PodGcOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _pods = pods;
        _nodes = nodes;
        _podClient = podClient;
        _nodeClient = nodeClient;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Name => "podgc";

    /// <summary>Runs a pass every <see cref="PodGcOptions.Period"/>; the worker count is ignored (passes are serial).</summary>
    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_pods.WaitForSyncAsync(cancellationToken), _nodes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        using var timer = new PeriodicTimer(_options.Period, _timeProvider);
        try
        {
            do
            {
                try
                {
                    await GcAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ApiException or HttpRequestException)
                {
                    Log.PassFailed(_logger, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; returns the keys of the pods it deleted.</summary>
    internal async Task<List<string>> GcAsync(CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        var pods = _pods.Indexer.List();
        await GcTerminatedAsync(pods, deleted, cancellationToken).ConfigureAwait(false);
        await GcOrphanedAsync(pods, deleted, cancellationToken).ConfigureAwait(false);
        await GcUnscheduledTerminatingAsync(pods, deleted, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private async Task GcTerminatedAsync(List<V1Pod> pods, List<string> deleted, CancellationToken cancellationToken)
    {
        if (_options.TerminatedPodThreshold <= 0)
        {
            return;
        }

        var terminated = pods.Where(p => Pods.IsTerminal(p) && p.Metadata.DeletionTimestamp is null).ToList();
        var excess = terminated.Count - _options.TerminatedPodThreshold;
        if (excess <= 0)
        {
            return;
        }

        // Oldest first, as kube sorts by creation timestamp.
        foreach (var pod in terminated.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).Take(excess))
        {
            await DeleteAsync(pod, force: false, deleted, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task GcOrphanedAsync(List<V1Pod> pods, List<string> deleted, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var boundTo = pods.Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName)).GroupBy(p => p.Spec.NodeName).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var node in _missingSince.Keys.ToList())
        {
            if (!boundTo.ContainsKey(node) || _nodes.Indexer.Get(node) is not null)
            {
                _missingSince.Remove(node);
            }
        }

        foreach (var (node, bound) in boundTo)
        {
            if (_nodes.Indexer.Get(node) is not null)
            {
                continue;
            }

            if (!_missingSince.TryGetValue(node, out var since))
            {
                _missingSince[node] = now;
                continue;
            }

            if (now - since < Quarantine)
            {
                continue;
            }

            // The cache may lag a node that was just registered: only a live NotFound condemns its pods.
            try
            {
                await _nodeClient.GetAsync(null, node, cancellationToken).ConfigureAwait(false);
                _missingSince.Remove(node);
                continue;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
            }

            Log.OrphanedNode(_logger, node, bound.Count);
            foreach (var pod in bound)
            {
                await MarkFailedAsync(pod, "PodGC: node no longer exists", cancellationToken).ConfigureAwait(false);
                await DeleteAsync(pod, force: true, deleted, cancellationToken).ConfigureAwait(false);
            }

            _missingSince.Remove(node);
        }
    }

    private async Task GcUnscheduledTerminatingAsync(List<V1Pod> pods, List<string> deleted, CancellationToken cancellationToken)
    {
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is not null && string.IsNullOrEmpty(p.Spec?.NodeName)))
        {
            await DeleteAsync(pod, force: true, deleted, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Like kube (1.26+), a pod that is not finished yet is first marked Failed with a DisruptionTarget condition,
    /// so that Jobs with pod failure policies see why it went.
    /// </summary>
    private async Task MarkFailedAsync(V1Pod pod, string message, CancellationToken cancellationToken)
    {
        if (Pods.IsTerminal(pod))
        {
            return;
        }

        var conditions = (pod.Status?.Conditions ?? []).Where(c => c.Type != "DisruptionTarget").Select(c => (object)c).ToList();
        conditions.Add(new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "DeletionByPodGC", Message = message, LastTransitionTime = _timeProvider.GetUtcNow().UtcDateTime });
        var patch = JsonSerializer.Serialize(new { status = new { phase = "Failed", conditions = conditions.Select(c => JsonDocument.Parse(k8s.KubernetesJson.Serialize(c)).RootElement) } });
        try
        {
            await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private async Task DeleteAsync(V1Pod pod, bool force, List<string> deleted, CancellationToken cancellationToken)
    {
        try
        {
            // A force delete (grace 0) for pods no kubelet will ever confirm; the UID precondition keeps a
            // same-named replacement safe.
            await _podClient.DeleteAsync(
                pod.Metadata.NamespaceProperty,
                pod.Metadata.Name,
                new V1DeleteOptions { GracePeriodSeconds = force ? 0 : null, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                cancellationToken).ConfigureAwait(false);
            deleted.Add(ObjectKey.Of(pod));
            Log.Deleted(_logger, ObjectKey.Of(pod));
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PodGcDeleted", Level = LogLevel.Information, Message = "garbage collected pod {Key}")]
        public static partial void Deleted(ILogger logger, string key);

        [LoggerMessage(EventId = 2, EventName = "PodGcOrphanedNode", Level = LogLevel.Information, Message = "node {Node} no longer exists: deleting its {Count} pods")]
        public static partial void OrphanedNode(ILogger logger, string node, int count);

        [LoggerMessage(EventId = 3, EventName = "PodGcPassFailed", Level = LogLevel.Warning, Message = "pod GC pass failed, retrying next period: {Error}")]
        public static partial void PassFailed(ILogger logger, string error);
    }
}
