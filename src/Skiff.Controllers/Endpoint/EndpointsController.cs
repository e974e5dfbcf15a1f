using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Endpoint;

/// <summary>
/// Keeps a core/v1 Endpoints object per selector Service, after kube-controller-manager's endpoint controller
/// (pkg/controller/endpoint): the IPs of the pods the service selects, ready ones in addresses and the rest in
/// notReadyAddresses (all in addresses with publishNotReadyAddresses), grouped into subsets by resolved port set.
/// Keys are service keys; the Endpoints object shares the service's name and goes when the service goes.
/// </summary>
internal sealed partial class EndpointsController : IController
{
    /// <summary>The Endpoints API's cap; beyond it addresses are truncated and the object annotated (as in Kubernetes).</summary>
    public const int MaxCapacity = 1000;

    public const string OverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
    public const string HeadlessLabel = "service.kubernetes.io/headless";
    public const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Endpoints> _endpoints;
    private readonly IResourceClient<V1Endpoints> _client;
    private readonly ILogger _logger;

    public EndpointsController(IInformer<V1Service> services, IInformer<V1Pod> pods, IInformer<V1Endpoints> endpoints, IResourceClient<V1Endpoints> client, TimeProvider timeProvider, ILogger logger)
    {
        _services = services;
        _pods = pods;
        _endpoints = endpoints;
        _client = client;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        services.AddEventHandler(new ResourceEventHandler<V1Service>(Enqueue, (_, s) => Enqueue(s), Enqueue));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(AddPod, UpdatePod, AddPod));

        // A deleted Endpoints object of a live service comes back; the service's key decides.
        endpoints.AddEventHandler(new ResourceEventHandler<V1Endpoints>(onDelete: e => Queue.Add(ObjectKey.Of(e))));
    }

    public string Name => "endpoint";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_services.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken), _endpoints.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        EnqueueLeftovers();
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// kube's checkLeftoverEndpoints: once at start, every Endpoints object is looked at, so that those whose
    /// service was deleted while no controller ran are removed. Leader-election records, which some components
    /// still keep in Endpoints objects, are left alone.
    /// </summary>
    internal void EnqueueLeftovers()
    {
        foreach (var endpoints in _endpoints.Indexer.List())
        {
            if (endpoints.Metadata.Annotations?.ContainsKey(LeaderAnnotation) != true)
            {
                Queue.Add(ObjectKey.Of(endpoints));
            }
        }
    }

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
        var (ns, name) = ObjectKey.Split(key);
        var service = _services.Indexer.Get(key);
        if (service is null)
        {
            // The service is gone: so is its Endpoints object (it carries no owner reference for the GC to follow).
            if (_endpoints.Indexer.Get(key) is not null)
            {
                try
                {
                    await _client.DeleteAsync(ns, name, null, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                }
            }

            return;
        }

        if (!EndpointPods.HasSelector(service))
        {
            // Selector-less services have user-managed Endpoints; ExternalName services have none.
            return;
        }

        var desired = Desired(service, _pods.Indexer.ListNamespace(ns ?? ""), out var truncated);
        var current = _endpoints.Indexer.Get(key);
        var labels = Labels(service);
        if (current is not null
            && CanonicalJson.Of(current.Subsets ?? []) == CanonicalJson.Of(desired)
            && Objects.JsonEqual(Normalize(current.Metadata.Labels), Normalize(labels))
            && (Objects.Annotation(current.Metadata, OverCapacityAnnotation) == "truncated") == truncated)
        {
            return;
        }

        var endpoints = current is null
            ? new V1Endpoints { ApiVersion = "v1", Kind = "Endpoints", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } }
            : Objects.Clone(current);
        endpoints.Metadata.Labels = labels;
        endpoints.Subsets = desired;
        endpoints.Metadata.Annotations ??= new Dictionary<string, string>();
        if (truncated)
        {
            endpoints.Metadata.Annotations[OverCapacityAnnotation] = "truncated";
        }
        else
        {
            endpoints.Metadata.Annotations.Remove(OverCapacityAnnotation);
        }

        if (endpoints.Metadata.Annotations.Count == 0)
        {
            endpoints.Metadata.Annotations = null;
        }

        try
        {
            if (current is null)
            {
                await _client.CreateAsync(endpoints, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _client.UpdateAsync(endpoints, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ApiException ex) when (ex.IsNamespaceTerminating)
        {
            // The namespace is being emptied: nothing more to publish in it.
        }

        Log.Synced(_logger, key, desired.Sum(s => s.Addresses?.Count ?? 0), desired.Sum(s => s.NotReadyAddresses?.Count ?? 0));
    }

    /// <summary>
    /// The subsets of the service: one address per selected pod, grouped by the ports the pod resolves, then
    /// sorted as endpoints.RepackSubsets does, so that equal states compare equal.
    /// </summary>
    internal static List<V1EndpointSubset> Desired(V1Service service, IEnumerable<V1Pod> pods, out bool truncated)
    {
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var groups = new Dictionary<string, (List<Corev1EndpointPort> Ports, List<V1EndpointAddress> Ready, List<V1EndpointAddress> NotReady)>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (!Selectors.MatchesMap(service.Spec.Selector, pod.Metadata.Labels) || !EndpointPods.ShouldBeInEndpoints(pod, publishNotReady))
            {
                continue;
            }

            var ip = AddressFor(service, pod);
            if (ip is null)
            {
                continue;
            }

            var address = new V1EndpointAddress { Ip = ip, NodeName = pod.Spec?.NodeName, Hostname = EndpointPods.Hostname(pod, service), TargetRef = EndpointPods.TargetRef(pod) };
            var ports = new List<Corev1EndpointPort>();
            var servicePorts = service.Spec.Ports ?? [];
            foreach (var servicePort in servicePorts)
            {
                if (EndpointPods.FindPort(pod, servicePort) is { } port)
                {
                    ports.Add(new Corev1EndpointPort { Name = servicePort.Name, Port = port, Protocol = servicePort.Protocol ?? "TCP", AppProtocol = servicePort.AppProtocol });
                }
            }

            // A pod that resolves none of the ports is left out, except for a headless service without ports,
            // which publishes bare addresses (for DNS).
            if (ports.Count == 0 && !(servicePorts.Count == 0 && EndpointPods.IsHeadless(service)))
            {
                continue;
            }

            ports.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var portsKey = string.Join(",", ports.Select(p => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}"));
            if (!groups.TryGetValue(portsKey, out var group))
            {
                group = (ports, [], []);
                groups[portsKey] = group;
            }

            (publishNotReady || Pods.IsReady(pod) ? group.Ready : group.NotReady).Add(address);
        }

        var subsets = groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new V1EndpointSubset
        {
            Ports = g.Value.Ports.Count == 0 ? null : g.Value.Ports,
            Addresses = Sorted(g.Value.Ready),
            NotReadyAddresses = Sorted(g.Value.NotReady),
        }).ToList();
        truncated = Truncate(subsets);
        return subsets;
    }

    /// <summary>
    /// endpointsController's podToEndpointAddressForService: the pod IP of the service's primary IP family
    /// (spec.ipFamilies[0], else the family of the pod's primary IP).
    /// </summary>
    private static string? AddressFor(V1Service service, V1Pod pod)
    {
        var family = service.Spec.IpFamilies is { Count: > 0 } families
            ? families[0]
            : EndpointPods.AddressType(pod.Status.PodIP) ?? "IPv4";
        return EndpointPods.PodIps(pod).FirstOrDefault(ip => EndpointPods.AddressType(ip) == family);
    }

    /// <summary>
    /// Caps the object at <see cref="MaxCapacity"/> addresses, keeping ready addresses before not-ready ones
    /// (kube-controller-manager also spreads the cut proportionally over subsets; here it goes subset by subset).
    /// </summary>
    private static bool Truncate(List<V1EndpointSubset> subsets)
    {
        var total = subsets.Sum(s => (s.Addresses?.Count ?? 0) + (s.NotReadyAddresses?.Count ?? 0));
        if (total <= MaxCapacity)
        {
            return false;
        }

        var budget = MaxCapacity;
        foreach (var subset in subsets)
        {
            subset.Addresses = Take(subset.Addresses, ref budget);
        }

        foreach (var subset in subsets)
        {
            subset.NotReadyAddresses = Take(subset.NotReadyAddresses, ref budget);
        }

        subsets.RemoveAll(s => s.Addresses is null && s.NotReadyAddresses is null);
        return true;
    }

    private static List<V1EndpointAddress>? Take(IList<V1EndpointAddress>? addresses, ref int budget)
    {
        if (addresses is null)
        {
            return null;
        }

        var kept = addresses.Take(budget).ToList();
        budget -= kept.Count;
        return kept.Count == 0 ? null : kept;
    }

    private static List<V1EndpointAddress>? Sorted(List<V1EndpointAddress> addresses) =>
        addresses.Count == 0 ? null : [.. addresses.OrderBy(a => a.Ip, StringComparer.Ordinal).ThenBy(a => a.TargetRef?.Uid, StringComparer.Ordinal)];

    /// <summary>The service's labels, plus <c>service.kubernetes.io/headless</c> for a headless service.</summary>
    private static Dictionary<string, string>? Labels(V1Service service)
    {
        var labels = service.Metadata.Labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(service.Metadata.Labels);
        labels.Remove(HeadlessLabel);
        if (EndpointPods.IsHeadless(service))
        {
            labels[HeadlessLabel] = "";
        }

        return labels.Count == 0 ? null : labels;
    }

    private static SortedDictionary<string, string> Normalize(IDictionary<string, string>? labels) =>
        new(labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "EndpointsSynced", Level = LogLevel.Debug, Message = "endpoints of {Key}: {Ready} ready, {NotReady} not ready")]
        public static partial void Synced(ILogger logger, string key, int ready, int notReady);
    }
}
