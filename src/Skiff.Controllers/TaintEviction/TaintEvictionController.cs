using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.TaintEviction;

/// <summary>
/// kube-controller-manager's taint eviction controller (the NoExecute taint manager,
/// pkg/controller/tainteviction): a pod on a node with a NoExecute taint it does not tolerate is deleted at once;
/// a pod that tolerates every such taint for a limited <c>tolerationSeconds</c> is deleted when the earliest
/// toleration runs out, counted from the taint's <c>timeAdded</c>; a scheduled deletion is cancelled when the taint
/// goes. Before deleting it records "Marking for deletion Pod ns/name" and sets the pod's DisruptionTarget
/// condition (reason DeletionByTaintManager) as 1.33 does.
/// </summary>
internal sealed partial class TaintEvictionController : IController
{
    private readonly IInformer<V1Node> _nodes;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    // Pods with a deletion scheduled, and when each NoExecute taint without a timeAdded was first seen for them.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _scheduled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Node, string Taint), DateTimeOffset> _firstSeen = new();

    public TaintEvictionController(IInformer<V1Node> nodes, IInformer<V1Pod> pods, IResourceClient<V1Pod> podClient, IEventRecorder recorder, TimeProvider timeProvider, ILogger logger)
    {
        _nodes = nodes;
        _pods = pods;
        _podClient = podClient;
        _recorder = recorder;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        pods.Indexer.AddIndex(Indexers.NodeName, o => Indexers.ByNodeName(o));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(
            onAdd: EnqueuePod,
            onUpdate: (old, cur) =>
            {
                if (old.Spec?.NodeName != cur.Spec?.NodeName || !Objects.JsonEqual(old.Spec?.Tolerations, cur.Spec?.Tolerations) || old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
                {
                    EnqueuePod(cur);
                }
            },
            onDelete: p => _scheduled.TryRemove(ObjectKey.Of(p), out _)));
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(
            onAdd: EnqueuePodsOn,
            onUpdate: (old, cur) =>
            {
                if (!Objects.JsonEqual(NoExecuteTaints(old), NoExecuteTaints(cur)) || old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
                {
                    EnqueuePodsOn(cur);
                }
            },
            onDelete: n =>
            {
                foreach (var seen in _firstSeen.Keys.Where(k => k.Node == n.Metadata.Name))
                {
                    _firstSeen.TryRemove(seen, out _);
                }

                EnqueuePodsOn(n);
            }));
    }

    public string Name => "taint-eviction";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_nodes.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private static List<V1Taint> NoExecuteTaints(V1Node? node) => node?.Spec?.Taints?.Where(t => t.Effect == "NoExecute").ToList() ?? [];

    private void EnqueuePod(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            Queue.Add(ObjectKey.Of(pod));
        }
    }

    private void EnqueuePodsOn(V1Node node)
    {
        // Forget first sightings of taints the node no longer has.
        var present = NoExecuteTaints(node).Select(t => t.Key + ":" + t.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var seen in _firstSeen.Keys.Where(k => k.Node == node.Metadata.Name && !present.Contains(k.Taint)))
        {
            _firstSeen.TryRemove(seen, out _);
        }

        foreach (var pod in _pods.Indexer.ByIndex(Indexers.NodeName, node.Metadata.Name))
        {
            Queue.Add(ObjectKey.Of(pod));
        }
    }

    /// <summary>
    /// Decides one pod (kube's processPodOnNode): the time its tolerations run out, if they do. Throws
    /// <see cref="RequeueAfterException"/> to come back at that time.
    /// </summary>
    private async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Indexer.Get(key);
        if (pod is null || Objects.IsBeingDeleted(pod) || Pods.IsTerminal(pod) || string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            _scheduled.TryRemove(key, out _);
            return;
        }

        var node = _nodes.Indexer.Get(pod.Spec.NodeName);
        var taints = NoExecuteTaints(node);
        if (taints.Count == 0)
        {
            Cancel(key, pod);
            return;
        }

        var now = _timeProvider.GetUtcNow();
        DateTimeOffset? trigger = null;
        foreach (var taint in taints)
        {
            var toleration = Tolerations.Matching(pod.Spec.Tolerations, taint);
            if (toleration is null)
            {
                // Not tolerated at all: out now.
                trigger = now;
                break;
            }

            if (toleration.TolerationSeconds is not { } seconds)
            {
                continue;
            }

            var added = taint.TimeAdded is { } t
                ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))
                : _firstSeen.GetOrAdd((node!.Metadata.Name, taint.Key + ":" + taint.Value), now);
            var deadline = added + TimeSpan.FromSeconds(Math.Max(0, seconds));
            if (trigger is null || deadline < trigger)
            {
                trigger = deadline;
            }
        }

        if (trigger is null)
        {
            // Every taint is tolerated forever.
            Cancel(key, pod);
            return;
        }

        if (trigger > now)
        {
            if (_scheduled.TryAdd(key, trigger.Value))
            {
                Log.Scheduled(_logger, key, trigger.Value);
            }
            else
            {
                _scheduled[key] = trigger.Value;
            }

            throw new RequeueAfterException(trigger.Value - now);
        }

        await EvictAsync(pod, cancellationToken).ConfigureAwait(false);
        _scheduled.TryRemove(key, out _);
    }

    private void Cancel(string key, V1Pod pod)
    {
        if (_scheduled.TryRemove(key, out _))
        {
            _recorder.Event(pod, "Normal", "TaintManagerEviction", $"Cancelling deletion of Pod {key}");
            Log.Cancelled(_logger, key);
        }
    }

    private async Task EvictAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var key = ObjectKey.Of(pod);
        _recorder.Event(pod, "Normal", "TaintManagerEviction", $"Marking for deletion Pod {key}");
        var conditions = (pod.Status?.Conditions ?? []).Where(c => c.Type != "DisruptionTarget").Select(Objects.Clone).ToList();
        conditions.Add(new V1PodCondition
        {
            Type = "DisruptionTarget",
            Status = "True",
            Reason = "DeletionByTaintManager",
            Message = "Taint manager: deleting due to NoExecute taint",
            LastTransitionTime = _timeProvider.GetUtcNow().UtcDateTime,
        });
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["uid"] = pod.Metadata.Uid },
            ["status"] = new JsonObject { ["conditions"] = JsonNode.Parse(KubernetesJson.Serialize(conditions)) },
        };
        try
        {
            await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch.ToJsonString(), cancellationToken, "status").ConfigureAwait(false);
            await _podClient.DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
            Log.Evicted(_logger, key, pod.Spec.NodeName);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
            // Gone already, or replaced by a pod of the same name that gets its own decision.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "TaintEvictionScheduled", Level = LogLevel.Information, Message = "pod {Pod} tolerates its node's NoExecute taints until {Deadline:O}")]
        public static partial void Scheduled(ILogger logger, string pod, DateTimeOffset deadline);

        [LoggerMessage(EventId = 2, EventName = "TaintEvictionCancelled", Level = LogLevel.Information, Message = "deletion of pod {Pod} cancelled: its node's NoExecute taints are gone or tolerated")]
        public static partial void Cancelled(ILogger logger, string pod);

        [LoggerMessage(EventId = 3, EventName = "TaintEvictionDeleted", Level = LogLevel.Information, Message = "pod {Pod} deleted: node {Node} has a NoExecute taint it does not tolerate (any more)")]
        public static partial void Evicted(ILogger logger, string pod, string node);
    }
}
