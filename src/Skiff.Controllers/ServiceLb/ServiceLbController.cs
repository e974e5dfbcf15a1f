using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ServiceLb;

/// <summary>
/// The built-in load balancer, as k3s's ServiceLB does it: a <c>type: LoadBalancer</c> Service of the default class
/// (no <c>spec.loadBalancerClass</c>) gets the InternalIP addresses of the ready nodes as
/// <c>status.loadBalancer.ingress</c> (ipMode VIP), and every node's Service proxy answers on those addresses at the
/// Service's ports. Nodes labelled <c>node.kubernetes.io/exclude-from-external-load-balancers</c> are left out, as
/// the cloud service controller does. Like ServiceLB's host ports, one address:port serves one Service: a Service whose
/// port and protocol an older load-balanced Service already uses stays pending until that one goes away. A Service
/// that stops being a LoadBalancer has its ingress cleared. Keys are <c>namespace/name</c> of Services.
/// </summary>
internal sealed partial class ServiceLbController : IController
{
    /// <summary>Nodes with this label never carry load-balancer traffic (Kubernetes' well-known label).</summary>
    public const string ExcludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1Node> _nodes;
    private readonly IResourceClient<V1Service> _client;
    private readonly IEventRecorder? _recorder;
    private readonly ILogger _logger;

    public ServiceLbController(IInformer<V1Service> services, IInformer<V1Node> nodes, IResourceClient<V1Service> client, IEventRecorder? recorder, TimeProvider timeProvider, ILogger logger)
    {
        _services = services;
        _nodes = nodes;
        _client = client;
        _recorder = recorder;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        services.AddEventHandler(new ResourceEventHandler<V1Service>(
            onAdd: s => EnqueueIfInteresting(s),
            onUpdate: (old, s) =>
            {
                EnqueueIfInteresting(s);
                if (IsOurs(old) && !IsOurs(s))
                {
                    // It gave up the address:ports it held: a pending Service may take them now.
                    EnqueueAllLoadBalancers();
                }
            },
            onDelete: s =>
            {
                if (IsOurs(s))
                {
                    EnqueueAllLoadBalancers();
                }
            }));
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(
            onAdd: _ => EnqueueAllLoadBalancers(),
            onUpdate: (old, n) =>
            {
                if (!IngressAddresses([old]).SequenceEqual(IngressAddresses([n])))
                {
                    EnqueueAllLoadBalancers();
                }
            },
            onDelete: _ => EnqueueAllLoadBalancers()));
    }

    public string Name => "service-lb";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_services.WaitForSyncAsync(cancellationToken), _nodes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var slash = key.IndexOf('/');
        var service = _services.Indexer.Get(key[..slash], key[(slash + 1)..]);
        if (service is null || service.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        if (service.Spec?.LoadBalancerClass is not null)
        {
            // Another load-balancer implementation owns it (ServiceLB only serves the default class).
            return;
        }

        var current = service.Status?.LoadBalancer?.Ingress ?? [];
        List<V1LoadBalancerIngress> desired;
        string? blockedBy = null;
        if (service.Spec?.Type != "LoadBalancer")
        {
            // No longer a load balancer: take the addresses back, as the cloud service controller does.
            desired = [];
        }
        else
        {
            blockedBy = PortHolder(service);
            desired = blockedBy is null
                ? [.. IngressAddresses(_nodes.Indexer.List()).Select(ip => new V1LoadBalancerIngress { Ip = ip, IpMode = "VIP" })]
                : [];
        }

        if (SameIngress(current, desired))
        {
            return;
        }

        var copy = Objects.Clone(service);
        copy.Status ??= new V1ServiceStatus();
        copy.Status.LoadBalancer = new V1LoadBalancerStatus { Ingress = desired.Count == 0 ? null : desired };
        try
        {
            await _client.UpdateAsync(copy, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return;
        }

        var addresses = string.Join(",", desired.Select(i => i.Ip));
        if (desired.Count > 0)
        {
            Log.Ensured(_logger, key, addresses);
            _recorder?.Event(service, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
        }
        else if (blockedBy is not null)
        {
            Log.PortsInUse(_logger, key, blockedBy);
            _recorder?.Event(service, "Warning", "PortsInUse", $"Ports are already used by Service {blockedBy}; the load balancer stays pending");
        }
        else
        {
            Log.Cleared(_logger, key);
            _recorder?.Event(service, "Normal", "DeletedLoadBalancer", "Deleted load balancer");
        }
    }

    /// <summary>The InternalIP (not loopback) of every ready, not excluded node, ordered (so equal inputs write equal status).</summary>
    internal static List<string> IngressAddresses(IEnumerable<V1Node> nodes) =>
    [
        .. nodes
            .Where(n => n.Metadata.DeletionTimestamp is null
                && n.Metadata.Labels?.ContainsKey(ExcludeLabel) != true
                && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .SelectMany(n => n.Status.Addresses?.Where(a => a.Type == "InternalIP").Select(a => a.Address) ?? [])
            // Loopback is no address for a load balancer: nothing outside the node reaches it, and the proxy could not
            // DNAT it anyway (route_localnet is off).
            .Where(a => System.Net.IPAddress.TryParse(a, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(ip))
            .Distinct()
            .Order(StringComparer.Ordinal),
    ];

    // An older Service of ours that already serves one of this Service's (protocol, port) pairs on the nodes' addresses,
    // as "namespace/name"; null when the ports are free. Oldest first (then by key) so the answer is stable.
    private string? PortHolder(V1Service service)
    {
        var ports = PortSet(service);
        foreach (var other in _services.Indexer.List().Where(IsOurs).OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MaxValue).ThenBy(Key, StringComparer.Ordinal))
        {
            if (other.Metadata.Uid == service.Metadata.Uid && Key(other) == Key(service))
            {
                return null;
            }

            if (PortSet(other).Overlaps(ports))
            {
                return Key(other);
            }
        }

        return null;
    }

    private static HashSet<(string, int)> PortSet(V1Service service) =>
        [.. (service.Spec?.Ports ?? []).Select(p => ((p.Protocol ?? "TCP").ToUpperInvariant(), p.Port))];

    private static bool SameIngress(IList<V1LoadBalancerIngress> current, List<V1LoadBalancerIngress> desired) =>
        current.Count == desired.Count
        && current.Zip(desired).All(p => p.First.Ip == p.Second.Ip && p.First.IpMode == p.Second.IpMode && string.IsNullOrEmpty(p.First.Hostname));

    private static bool IsOurs(V1Service s) =>
        s.Spec?.Type == "LoadBalancer" && s.Spec.LoadBalancerClass is null && s.Metadata.DeletionTimestamp is null;

    private static string Key(V1Service s) => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}";

    private void EnqueueIfInteresting(V1Service s)
    {
        if (IsOurs(s) || (s.Spec?.LoadBalancerClass is null && s.Status?.LoadBalancer?.Ingress is { Count: > 0 }))
        {
            Queue.Add(Key(s));
        }
    }

    private void EnqueueAllLoadBalancers()
    {
        foreach (var s in _services.Indexer.List())
        {
            EnqueueIfInteresting(s);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, EventName = "LoadBalancerEnsured", Message = "Service {Service}: load balancer ingress {Addresses}")]
        public static partial void Ensured(ILogger logger, string service, string addresses);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, EventName = "LoadBalancerCleared", Message = "Service {Service}: load balancer ingress cleared")]
        public static partial void Cleared(ILogger logger, string service);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, EventName = "LoadBalancerPortsInUse", Message = "Service {Service}: its ports are used by load balancer Service {Holder}; ingress stays pending")]
        public static partial void PortsInUse(ILogger logger, string service, string holder);
    }
}
