using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Expectations;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.Endpoint;

namespace Skiff.Controllers.EndpointSlice;

/// <summary>
/// Keeps the discovery.k8s.io/v1 EndpointSlices of every selector Service, after kube-controller-manager's
/// endpointslice controller (pkg/controller/endpointslice and its reconciler): one endpoint per selected pod
/// and address family with ready/serving/terminating conditions, slices grouped by address type and resolved
/// port set and holding at most <see cref="MaxEndpointsPerSlice"/> endpoints, labelled with the service name and
/// this controller as manager, owned by the Service (so the garbage collector removes them with it). Endpoints
/// stay in the slice they are in while they exist, so an unrelated pod change rewrites one slice, not all.
/// A service with no endpoints keeps one empty placeholder slice, as in Kubernetes.
/// </summary>
internal sealed partial class EndpointSliceController : IController
{
    public const int MaxEndpointsPerSlice = 100;
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "endpointslice-controller.k8s.io";
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1EndpointSlice> _slices;
    private readonly IInformer<V1Node> _nodes;
    private readonly IResourceClient<V1EndpointSlice> _client;
    private readonly ILogger _logger;

    // The resourceVersion of each slice as this controller last wrote it (kube's EndpointSliceTracker keeps
    // generations for the same purpose): a cached slice older than that is stale, and acting on it would only
    // earn a conflict. Skiff's resourceVersions are the store's revision, so they compare as numbers.
    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);

    public EndpointSliceController(IInformer<V1Service> services, IInformer<V1Pod> pods, IInformer<V1EndpointSlice> slices, IInformer<V1Node> nodes, IResourceClient<V1EndpointSlice> client, TimeProvider timeProvider, ILogger logger)
    {
        _nodes = nodes;
        _services = services;
        _pods = pods;
        _slices = slices;
        _client = client;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Expectations = new ControllerExpectations(timeProvider);
        Sync = SyncAsync;
        services.AddEventHandler(new ResourceEventHandler<V1Service>(Enqueue, (_, s) => Enqueue(s), s =>
        {
            Expectations.Delete(ObjectKey.Of(s));
            Enqueue(s);
        }));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(AddPod, UpdatePod, AddPod));
        slices.AddEventHandler(new ResourceEventHandler<V1EndpointSlice>(
            s =>
            {
                if (ServiceKeyOf(s) is { } key)
                {
                    Expectations.CreationObserved(key);
                    Queue.Add(key);
                }
            },
            // Someone else may have edited a slice we manage: put it back.
            (old, cur) =>
            {
                if (old.Metadata.ResourceVersion != cur.Metadata.ResourceVersion && ServiceKeyOf(cur) is { } key)
                {
                    Queue.Add(key);
                }
            },
            s =>
            {
                if (ServiceKeyOf(s) is { } key)
                {
                    _written.TryRemove(ObjectKey.Of(s), out _);
                    Expectations.DeletionObserved(key, ObjectKey.Of(s));
                    Queue.Add(key);
                }
            }));
    }

    public string Name => "endpointslice";

    public RateLimitingQueue<string> Queue { get; }

    public ControllerExpectations Expectations { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_services.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken), _slices.WaitForSyncAsync(cancellationToken), _nodes.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private static string? ServiceKeyOf(V1EndpointSlice slice) =>
        slice.Metadata.Labels is { } labels
        && labels.TryGetValue(ManagedByLabel, out var manager) && manager == ManagedBy
        && labels.TryGetValue(ServiceNameLabel, out var service) && !string.IsNullOrEmpty(service)
            ? ObjectKey.Of(slice.Metadata.NamespaceProperty, service)
            : null;

    private void Enqueue(V1Service service) => Queue.Add(ObjectKey.Of(service));

    private void AddPod(V1Pod pod)
    {
        foreach (var service in EndpointPods.ServicesSelecting(_services.Indexer, pod))
        {
            Enqueue(service);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        foreach (var key in EndpointPods.ServiceKeysFor(_services.Indexer, old, cur))
        {
            Queue.Add(key);
        }
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, _) = ObjectKey.Split(key);
        var service = _services.Indexer.Get(key);
        if (service is null || !EndpointPods.HasSelector(service))
        {
            // A deleted service's slices go with it through their owner reference; selector-less services'
            // slices belong to their users (or to the mirroring controller).
            Expectations.Delete(key);
            return;
        }

        if (!Expectations.Satisfied(key))
        {
            // Our last creates or deletes are not in the cache yet; their events requeue the service.
            return;
        }

        var existing = _slices.Indexer.ListNamespace(ns!).Where(s => ServiceKeyOf(s) == key).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
        if (existing.Any(IsStale))
        {
            // Our last update of a slice is not in the cache yet; its event requeues the service.
            return;
        }

        var plan = Plan(service, _pods.Indexer.ListNamespace(ns!), existing, ZoneOf);
        Expectations.Expect(key, plan.Create.Count, plan.Delete.Select(ObjectKey.Of));
        try
        {
            foreach (var slice in plan.Update)
            {
                Written(await _client.UpdateAsync(slice, cancellationToken).ConfigureAwait(false));
            }

            for (var i = 0; i < plan.Create.Count; i++)
            {
                try
                {
                    Written(await _client.CreateAsync(plan.Create[i], cancellationToken).ConfigureAwait(false));
                }
                catch
                {
                    Expectations.CreationSkipped(key, plan.Create.Count - i);
                    throw;
                }
            }

            foreach (var slice in plan.Delete)
            {
                try
                {
                    await _client.DeleteAsync(ns, slice.Metadata.Name, null, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    Expectations.DeletionObserved(key, ObjectKey.Of(slice));
                }
            }
        }
        catch (ApiException ex) when (ex.IsNamespaceTerminating)
        {
            Expectations.Delete(key);
        }
        catch
        {
            // The cache no longer tells what landed: let the next sync start from a clean slate.
            Expectations.Delete(key);
            throw;
        }

        if (plan.Create.Count + plan.Update.Count + plan.Delete.Count > 0)
        {
            Log.Synced(_logger, key, plan.Create.Count, plan.Update.Count, plan.Delete.Count);
        }
    }

    /// <summary>The zone of a node, from its <c>topology.kubernetes.io/zone</c> label, as kube fills endpoint.zone.</summary>
    private string? ZoneOf(string node) =>
        _nodes.Indexer.Get(node)?.Metadata.Labels is { } labels && labels.TryGetValue(ZoneLabel, out var zone) ? zone : null;

    private static long? Revision(V1EndpointSlice slice) =>
        long.TryParse(slice.Metadata.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;

    private void Written(V1EndpointSlice slice)
    {
        if (Revision(slice) is { } rv)
        {
            _written[ObjectKey.Of(slice)] = rv;
        }
    }

    private bool IsStale(V1EndpointSlice cached)
    {
        var key = ObjectKey.Of(cached);
        if (!_written.TryGetValue(key, out var written))
        {
            return false;
        }

        if (Revision(cached) is { } rv && rv < written)
        {
            return true;
        }

        _written.TryRemove(key, out _);
        return false;
    }

    /// <summary>
    /// The writes that turn <paramref name="existing"/> (this service's managed slices, sorted by name) into the
    /// desired state: each existing slice keeps those of its endpoints that are still wanted (refreshed), new
    /// endpoints fill slices with room and then new slices, and slices left empty are deleted.
    /// </summary>
    internal static SlicePlan Plan(V1Service service, IEnumerable<V1Pod> pods, IReadOnlyList<V1EndpointSlice> existing, Func<string, string?>? zoneOf = null)
    {
        var groups = DesiredGroups(service, pods, zoneOf ?? (_ => null));
        var plan = new SlicePlan();
        var kept = new List<V1EndpointSlice>();
        foreach (var (groupKey, group) in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var placed = new HashSet<string>(StringComparer.Ordinal);
            var slicesOfGroup = new List<(V1EndpointSlice Slice, List<V1Endpoint> Endpoints)>();
            foreach (var slice in existing.Where(s => GroupKey(s.AddressType, s.Ports) == groupKey))
            {
                var endpoints = new List<V1Endpoint>();
                foreach (var ep in slice.Endpoints ?? [])
                {
                    var epKey = EndpointKey(ep);
                    if (group.Endpoints.TryGetValue(epKey, out var wanted) && placed.Add(epKey) && endpoints.Count < MaxEndpointsPerSlice)
                    {
                        endpoints.Add(wanted);
                    }
                }

                slicesOfGroup.Add((slice, endpoints));
            }

            var pending = new Queue<V1Endpoint>(group.Endpoints.Where(e => !placed.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value));
            foreach (var (_, endpoints) in slicesOfGroup)
            {
                while (pending.Count > 0 && endpoints.Count < MaxEndpointsPerSlice)
                {
                    endpoints.Add(pending.Dequeue());
                }
            }

            foreach (var (slice, endpoints) in slicesOfGroup)
            {
                if (endpoints.Count == 0 && group.Endpoints.Count > 0)
                {
                    continue;
                }

                kept.Add(slice);
                var updated = WithContent(Objects.Clone(slice), service, group.AddressType, group.Ports, endpoints);
                if (CanonicalJson.Of(updated) != CanonicalJson.Of(slice))
                {
                    plan.Update.Add(updated);
                }
            }

            while (pending.Count > 0)
            {
                var endpoints = new List<V1Endpoint>();
                while (pending.Count > 0 && endpoints.Count < MaxEndpointsPerSlice)
                {
                    endpoints.Add(pending.Dequeue());
                }

                plan.Create.Add(NewSlice(service, group.AddressType, group.Ports, endpoints));
            }
        }

        if (groups.Count == 0)
        {
            // The placeholder: one empty slice, so consumers can tell "no endpoints" from "not yet synced".
            var addressType = AddressTypes(service)[0];
            var placeholder = existing.FirstOrDefault(s => s.AddressType == addressType);
            if (placeholder is null)
            {
                plan.Create.Add(NewSlice(service, addressType, [], []));
            }
            else
            {
                kept.Add(placeholder);
                var updated = WithContent(Objects.Clone(placeholder), service, addressType, [], []);
                if (CanonicalJson.Of(updated) != CanonicalJson.Of(placeholder))
                {
                    plan.Update.Add(updated);
                }
            }
        }

        plan.Delete.AddRange(existing.Where(s => !kept.Contains(s)));
        return plan;
    }

    /// <summary>
    /// The desired endpoints by (address type, port set), each keyed by its pod. Terminating pods stay in
    /// (with terminating=true) so that consumers can drain them; ready follows Kubernetes' compatibility rule
    /// of never being true for a terminating pod unless publishNotReadyAddresses is set.
    /// </summary>
    private static Dictionary<string, EndpointGroup> DesiredGroups(V1Service service, IEnumerable<V1Pod> pods, Func<string, string?> zoneOf)
    {
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var groups = new Dictionary<string, EndpointGroup>(StringComparer.Ordinal);
        var addressTypes = AddressTypes(service);
        foreach (var pod in pods)
        {
            if (!Selectors.MatchesMap(service.Spec.Selector, pod.Metadata.Labels) || !EndpointPods.ShouldBeInEndpoints(pod, includeTerminating: true))
            {
                continue;
            }

            var ports = new List<Discoveryv1EndpointPort>();
            foreach (var servicePort in service.Spec.Ports ?? [])
            {
                if (EndpointPods.FindPort(pod, servicePort) is { } port)
                {
                    ports.Add(new Discoveryv1EndpointPort { Name = servicePort.Name ?? "", Port = port, Protocol = servicePort.Protocol ?? "TCP", AppProtocol = servicePort.AppProtocol });
                }
            }

            ports.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var serving = publishNotReady || Pods.IsReady(pod);
            var terminating = pod.Metadata.DeletionTimestamp is not null;
            foreach (var addressType in addressTypes)
            {
                var ip = EndpointPods.PodIps(pod).FirstOrDefault(a => EndpointPods.AddressType(a) == addressType);
                if (ip is null)
                {
                    continue;
                }

                var endpoint = new V1Endpoint
                {
                    Addresses = [ip],
                    Conditions = new V1EndpointConditions { Ready = publishNotReady || (serving && !terminating), Serving = serving, Terminating = terminating },
                    Hostname = EndpointPods.Hostname(pod, service),
                    NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
                    Zone = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : zoneOf(pod.Spec.NodeName),
                    TargetRef = EndpointPods.TargetRef(pod),
                };
                var groupKey = GroupKey(addressType, ports);
                if (!groups.TryGetValue(groupKey, out var group))
                {
                    group = new EndpointGroup(addressType, ports);
                    groups[groupKey] = group;
                }

                group.Endpoints[EndpointKey(endpoint)] = endpoint;
            }
        }

        return groups;
    }

    /// <summary>
    /// endpointslice's getAddressTypesForService: the service's ipFamilies; failing that the family of its
    /// cluster IP; failing that (headless without families) both.
    /// </summary>
    internal static List<string> AddressTypes(V1Service service)
    {
        if (service.Spec.IpFamilies is { Count: > 0 } families)
        {
            return [.. families.Distinct()];
        }

        if (!string.IsNullOrEmpty(service.Spec.ClusterIP) && service.Spec.ClusterIP != "None" && EndpointPods.AddressType(service.Spec.ClusterIP) is { } family)
        {
            return [family];
        }

        return ["IPv4", "IPv6"];
    }

    private static string GroupKey(string addressType, IEnumerable<Discoveryv1EndpointPort>? ports) =>
        addressType + "|" + string.Join(",", (ports ?? []).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}"));

    private static string EndpointKey(V1Endpoint endpoint) =>
        (endpoint.TargetRef?.Uid ?? "") + "|" + string.Join(",", endpoint.Addresses ?? []);

    private static V1EndpointSlice NewSlice(V1Service service, string addressType, List<Discoveryv1EndpointPort> ports, List<V1Endpoint> endpoints) =>
        WithContent(
            new V1EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                Metadata = new V1ObjectMeta { GenerateName = PodTemplates.GeneratePrefix(service.Metadata.Name), NamespaceProperty = service.Metadata.NamespaceProperty },
            },
            service,
            addressType,
            ports,
            endpoints);

    /// <summary>Sets the slice's labels, owner, ports and endpoints (setEndpointSliceLabels and ownerRef in Kubernetes).</summary>
    private static V1EndpointSlice WithContent(V1EndpointSlice slice, V1Service service, string addressType, List<Discoveryv1EndpointPort> ports, List<V1Endpoint> endpoints)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in service.Metadata.Labels ?? new Dictionary<string, string>())
        {
            if (k is not (ServiceNameLabel or ManagedByLabel or EndpointsController.HeadlessLabel))
            {
                labels[k] = v;
            }
        }

        labels[ServiceNameLabel] = service.Metadata.Name;
        labels[ManagedByLabel] = ManagedBy;
        if (EndpointPods.IsHeadless(service))
        {
            labels[EndpointsController.HeadlessLabel] = "";
        }

        slice.Metadata.Labels = labels;
        var owner = Objects.ControllerRef(service, "v1", "Service");
        var others = slice.Metadata.OwnerReferences?.Where(r => r.Uid != service.Metadata.Uid && r.Controller != true).ToList() ?? [];
        slice.Metadata.OwnerReferences = [owner, .. others];
        slice.AddressType = addressType;
        slice.Ports = ports;
        slice.Endpoints = endpoints;
        return slice;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "EndpointSlicesSynced", Level = LogLevel.Debug, Message = "endpoint slices of {Key}: {Created} created, {Updated} updated, {Deleted} deleted")]
        public static partial void Synced(ILogger logger, string key, int created, int updated, int deleted);
    }
}
