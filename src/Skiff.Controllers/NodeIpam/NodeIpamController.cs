using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.NodeIpam;

/// <summary>
/// The node IPAM controller (kube-controller-manager's nodeipam with the range allocator): gives every Node without
/// one a /24 of the cluster CIDR as spec.podCIDR and spec.podCIDRs. A deleted node's subnet is free again because
/// the subnets in use are read from the node cache; subnets handed out but not yet seen in the cache are remembered
/// so two nodes never get the same one.
/// </summary>
internal sealed partial class NodeIpamController : IController
{
    private readonly IInformer<V1Node> _nodes;
    private readonly IResourceClient<V1Node> _client;
    private readonly CidrAllocator _allocator;
    private readonly ILogger _logger;
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public NodeIpamController(IInformer<V1Node> nodes, IResourceClient<V1Node> client, CidrAllocator allocator, TimeProvider timeProvider, ILogger logger)
    {
        _nodes = nodes;
        _client = client;
        _allocator = allocator;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(Enqueue, (_, n) => Enqueue(n), n =>
        {
            lock (_lock)
            {
                _pending.Remove(n.Metadata.Name);
            }
        }));
    }

    public string Name => "nodeipam";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _nodes.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);

        // One worker: allocation must see every earlier allocation.
        await Workers.RunAsync(Name, Queue, () => Sync, 1, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(V1Node node)
    {
        if (string.IsNullOrEmpty(node.Spec?.PodCIDR))
        {
            Queue.Add(node.Metadata.Name);
        }
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Indexer.Get(key);
        if (node is null || !string.IsNullOrEmpty(node.Spec?.PodCIDR))
        {
            return;
        }

        string? cidr;
        lock (_lock)
        {
            var cached = _nodes.Indexer.List();
            foreach (var seen in cached.Where(n => !string.IsNullOrEmpty(n.Spec?.PodCIDR)).Select(n => n.Metadata.Name).ToList())
            {
                _pending.Remove(seen);
            }

            if (_pending.TryGetValue(key, out var already))
            {
                cidr = already;
            }
            else
            {
                var used = cached.SelectMany(n => (n.Spec?.PodCIDRs ?? []).Append(n.Spec?.PodCIDR ?? "")).Concat(_pending.Values).ToHashSet(StringComparer.Ordinal);
                cidr = _allocator.Allocate(used);
                if (cidr is not null)
                {
                    _pending[key] = cidr;
                }
            }
        }

        if (cidr is null)
        {
            Log.Exhausted(_logger, key);
            throw new InvalidOperationException($"no pod CIDR is free for node {key}");
        }

        var patch = new JsonObject { ["spec"] = new JsonObject { ["podCIDR"] = cidr, ["podCIDRs"] = new JsonArray(cidr) } };
        try
        {
            await _client.PatchAsync(null, key, patch.ToJsonString(), cancellationToken).ConfigureAwait(false);
            Log.Allocated(_logger, key, cidr);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            lock (_lock)
            {
                _pending.Remove(key);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PodCidrAllocated", Level = LogLevel.Information, Message = "node {Node}: pod CIDR {Cidr}")]
        public static partial void Allocated(ILogger logger, string node, string cidr);

        [LoggerMessage(EventId = 2, EventName = "PodCidrExhausted", Level = LogLevel.Warning, Message = "node {Node}: no pod CIDR is free in the cluster CIDR")]
        public static partial void Exhausted(ILogger logger, string node);
    }
}
