using System.Net;
using System.Net.NetworkInformation;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Cache;
using Skiff.Kubelet.Host;

namespace Skiff.Kubelet.Network;

/// <summary>
/// The host-gateway pod network across nodes (flannel's host-gw backend): every other Node's podCIDR is routed via
/// that Node's InternalIP, kept in step with the Node objects (a new node gets its route, a deleted one loses it,
/// a changed address moves it). Routes carry protocol <see cref="RouteProtocol"/> so routes left by an earlier run
/// for nodes that are gone are found and removed. Only podCIDRs inside the cluster CIDR with a prefix of /16 or
/// longer are routed (never 10.0.0.0/8, DESIGN §4), and never via an address of this host (agents sharing a machine
/// reach each other's bridges directly).
/// </summary>
internal sealed partial class NodeRoutes
{
    /// <summary>The rtnetlink protocol number that marks Skiff's node routes (an unassigned value).</summary>
    public const string RouteProtocol = "211";

    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);

    private readonly IInformer<V1Node> _nodes;
    private readonly string _nodeName;
    private readonly IPNetwork _clusterCidr;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private Dictionary<string, string> _applied = new(StringComparer.Ordinal);

    public NodeRoutes(IInformer<V1Node> nodes, string nodeName, string clusterCidr, ILogger logger)
    {
        _nodes = nodes;
        _nodeName = nodeName;
        _clusterCidr = IPNetwork.Parse(clusterCidr);
        _logger = logger;
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(_ => Signal(), (_, _) => Signal(), _ => Signal()));
    }

    /// <summary>
    /// The routes this node wants: podCIDR → InternalIP of every other node that has both, skipping ranges outside
    /// the cluster CIDR, wider than /16, and gateways in <paramref name="localAddresses"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Desired(IEnumerable<V1Node> nodes, string self, IPNetwork clusterCidr, ISet<IPAddress> localAddresses)
    {
        var routes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (node.Metadata.Name == self || node.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var internalIp = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
            var cidrs = node.Spec?.PodCIDRs is { Count: > 0 } many ? many : node.Spec?.PodCIDR is { Length: > 0 } one ? [one] : [];
            if (internalIp is null || !IPAddress.TryParse(internalIp, out var gateway) || gateway.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
                || localAddresses.Contains(gateway) || IPAddress.IsLoopback(gateway))
            {
                continue;
            }

            foreach (var cidr in cidrs)
            {
                if (IPNetwork.TryParse(cidr, out var network) && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                    && network.PrefixLength >= 16 && network.PrefixLength >= clusterCidr.PrefixLength && clusterCidr.Contains(network.BaseAddress))
                {
                    routes[network.ToString()] = gateway.ToString();
                }
            }
        }

        return routes;
    }

    /// <summary>
    /// Keeps the routes in step until cancelled, re-applying them every 30 s besides on Node changes. Routes stay when the
    /// agent stops (its pods keep running); the next run adopts them.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _nodes.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        _applied = await ExistingAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _changed.WaitAsync(Resync, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Signal()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var desired = Desired(_nodes.Indexer.List(), _nodeName, _clusterCidr, LocalAddresses());
        foreach (var (cidr, gateway) in _applied.Where(a => !desired.TryGetValue(a.Key, out var g) || g != a.Value).ToList())
        {
            if (!desired.ContainsKey(cidr))
            {
                var (code, output) = await Command.RunAsync("ip", ["route", "del", cidr, "proto", RouteProtocol], cancellationToken).ConfigureAwait(false);
                if (code == 0 || output.Contains("No such process", StringComparison.Ordinal))
                {
                    Log.Removed(_logger, cidr, gateway);
                }
            }

            _applied.Remove(cidr);
        }

        foreach (var (cidr, gateway) in desired)
        {
            // `replace` every time: idempotent, and it repairs a route someone deleted by hand.
            var (code, output) = await Command.RunAsync("ip", ["route", "replace", cidr, "via", gateway, "proto", RouteProtocol], cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                Log.Failed(_logger, cidr, gateway, output);
                continue;
            }

            if (!_applied.TryGetValue(cidr, out var previous) || previous != gateway)
            {
                Log.Added(_logger, cidr, gateway);
            }

            _applied[cidr] = gateway;
        }
    }

    /// <summary>Routes with our protocol left from an earlier run: cidr → gateway.</summary>
    private static async Task<Dictionary<string, string>> ExistingAsync(CancellationToken cancellationToken)
    {
        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        var (code, output) = await Command.RunAsync("ip", ["-4", "route", "show", "proto", RouteProtocol], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            return existing;
        }

        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var via = Array.IndexOf(words, "via");
            if (words.Length > 0 && via > 0 && via + 1 < words.Length)
            {
                existing[words[0]] = words[via + 1];
            }
        }

        return existing;
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "NodeRouteAdded", Level = LogLevel.Information, Message = "pod network: route {Cidr} via {Gateway}")]
        public static partial void Added(ILogger logger, string cidr, string gateway);

        [LoggerMessage(EventId = 2, EventName = "NodeRouteRemoved", Level = LogLevel.Information, Message = "pod network: removed route {Cidr} via {Gateway} (its node is gone or moved)")]
        public static partial void Removed(ILogger logger, string cidr, string gateway);

        [LoggerMessage(EventId = 3, EventName = "NodeRouteFailed", Level = LogLevel.Warning, Message = "pod network: cannot route {Cidr} via {Gateway}: {Output}")]
        public static partial void Failed(ILogger logger, string cidr, string gateway, string output);
    }
}
