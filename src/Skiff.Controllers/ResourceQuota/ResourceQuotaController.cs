using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Quota;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ResourceQuota;

/// <summary>
/// The resource quota controller, after kube-controller-manager's resourcequota controller: it keeps each quota's
/// status.hard equal to spec.hard and recalculates status.used from the objects of the namespace when a quota's
/// limits change, when objects are deleted or stop counting (a pod that finished, a claim that shrank), and on a
/// periodic full resync that corrects any drift (a request that was charged by admission but never stored).
/// Creates are charged by the ResourceQuota admission plugin and not recalculated here, as in Kubernetes, so a
/// cache that has not seen a just-charged object cannot undo the charge.
/// </summary>
internal sealed partial class ResourceQuotaController : IController
{
    private static readonly (string Plural, string Group)[] Informed =
        [("pods", ""), ("services", ""), ("persistentvolumeclaims", ""), ("configmaps", ""), ("secrets", "")];

    private readonly IInformer<V1ResourceQuota> _quotas;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1PersistentVolumeClaim> _claims;
    private readonly IInformer<V1ConfigMap> _configMaps;
    private readonly IInformer<V1Secret> _secrets;
    private readonly IResourceClient<V1ResourceQuota> _client;
    private readonly Func<string, string, string, CancellationToken, Task<int?>> _countObjects;
    private readonly TimeSpan _resyncPeriod;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <param name="countObjects">Counts objects of (group, plural) in a namespace for <c>count/</c> quotas of resources without an informer here; null when the resource is unknown.</param>
    public ResourceQuotaController(IInformer<V1ResourceQuota> quotas, IInformer<V1Pod> pods, IInformer<V1Service> services, IInformer<V1PersistentVolumeClaim> claims,
        IInformer<V1ConfigMap> configMaps, IInformer<V1Secret> secrets, IResourceClient<V1ResourceQuota> client,
        Func<string, string, string, CancellationToken, Task<int?>> countObjects, TimeSpan resyncPeriod, TimeProvider timeProvider, ILogger logger)
    {
        _quotas = quotas;
        _pods = pods;
        _services = services;
        _claims = claims;
        _configMaps = configMaps;
        _secrets = secrets;
        _client = client;
        _countObjects = countObjects;
        _resyncPeriod = resyncPeriod;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        quotas.AddEventHandler(new ResourceEventHandler<V1ResourceQuota>(
            q => Queue.Add(ObjectKey.Of(q)),
            (old, cur) =>
            {
                // Only a change of limits needs a recount; status writes (admission's charges) must not trigger one.
                if (!ResourceLists.Equal(old.Spec?.Hard, cur.Spec?.Hard) || !ResourceLists.Equal(cur.Spec?.Hard, cur.Status?.Hard))
                {
                    Queue.Add(ObjectKey.Of(cur));
                }
            }));
        pods.AddEventHandler(Replenish<V1Pod>((old, cur) =>
        {
            var now = _timeProvider.GetUtcNow();
            return QuotaEvaluator.IsCounted(old, now) != QuotaEvaluator.IsCounted(cur, now);
        }));
        services.AddEventHandler(Replenish<V1Service>((old, cur) => old.Spec?.Type != cur.Spec?.Type || (old.Spec?.Ports?.Count ?? 0) != (cur.Spec?.Ports?.Count ?? 0)));
        claims.AddEventHandler(Replenish<V1PersistentVolumeClaim>((old, cur) =>
            !ResourceLists.Equal(old.Spec?.Resources?.Requests, cur.Spec?.Resources?.Requests) || !ResourceLists.Equal(old.Status?.AllocatedResources, cur.Status?.AllocatedResources)));
        configMaps.AddEventHandler(Replenish<V1ConfigMap>((_, _) => false));
        secrets.AddEventHandler(Replenish<V1Secret>((_, _) => false));
    }

    public string Name => "resourcequota";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        foreach (var wait in new[] { _quotas.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken), _services.WaitForSyncAsync(cancellationToken),
                     _claims.WaitForSyncAsync(cancellationToken), _configMaps.WaitForSyncAsync(cancellationToken), _secrets.WaitForSyncAsync(cancellationToken) })
        {
            await wait.ConfigureAwait(false);
        }

        var resync = Task.Run(() => ResyncLoopAsync(cancellationToken), CancellationToken.None);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
        await resync.ConfigureAwait(false);
    }

    /// <summary>The full resync (--resource-quota-sync-period): every quota is recounted periodically.</summary>
    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_resyncPeriod, _timeProvider, cancellationToken).ConfigureAwait(false);
                EnqueueAll();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void EnqueueAll()
    {
        foreach (var key in _quotas.Indexer.ListKeys())
        {
            Queue.Add(key);
        }
    }

    /// <summary>Deletes always free quota; updates only when <paramref name="usageChanged"/> says the object's charge changed.</summary>
    private ResourceEventHandler<T> Replenish<T>(Func<T, T, bool> usageChanged)
        where T : class, IKubernetesObject<V1ObjectMeta> => new(
        null,
        (old, cur) =>
        {
            if (usageChanged(old, cur))
            {
                EnqueueNamespace(cur.Metadata.NamespaceProperty);
            }
        },
        obj => EnqueueNamespace(obj.Metadata.NamespaceProperty));

    private void EnqueueNamespace(string? ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return;
        }

        foreach (var quota in _quotas.Indexer.ListNamespace(ns))
        {
            Queue.Add(ObjectKey.Of(quota));
        }
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var quota = _quotas.Indexer.Get(key);
        if (quota is null)
        {
            return;
        }

        var hard = ResourceLists.Copy(quota.Spec?.Hard);
        var used = await CalculateUsageAsync(quota, cancellationToken).ConfigureAwait(false);
        if (ResourceLists.Equal(hard, quota.Status?.Hard) && ResourceLists.Equal(used, quota.Status?.Used))
        {
            return;
        }

        var updated = Objects.Clone(quota);
        updated.Status = new V1ResourceQuotaStatus { Hard = hard, Used = used };
        try
        {
            // Conditional on the cached resourceVersion: if admission charged the quota meanwhile, this fails and is retried.
            await _client.UpdateAsync(updated, cancellationToken, "status").ConfigureAwait(false);
            Log.Synced(_logger, key, ResourceLists.PrettyPrint(used));
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>CalculateUsage: every hard resource some evaluator tracks gets its current total (zero if nothing counts).</summary>
    internal async Task<Dictionary<string, ResourceQuantity>> CalculateUsageAsync(V1ResourceQuota quota, CancellationToken cancellationToken)
    {
        var ns = quota.Metadata.NamespaceProperty;
        var hard = quota.Spec?.Hard ?? new Dictionary<string, ResourceQuantity>();
        var used = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var now = _timeProvider.GetUtcNow();
        foreach (var (plural, group) in Informed)
        {
            var tracked = hard.Keys.Where(n => QuotaEvaluator.Tracks(group, plural, n)).ToHashSet(StringComparer.Ordinal);
            if (tracked.Count == 0)
            {
                continue;
            }

            covered.UnionWith(tracked);
            foreach (var name in tracked)
            {
                used[name] = ResourceLists.Quantity(0, hard[name].Format);
            }

            foreach (var obj in ObjectsOf(plural, ns).Where(o => QuotaEvaluator.MatchesScopes(quota.Spec, o)))
            {
                used = ResourceLists.Add(used, ResourceLists.Mask(QuotaEvaluator.Usage(group, plural, obj, now), tracked));
            }
        }

        var scoped = (quota.Spec?.Scopes?.Count ?? 0) > 0 || (quota.Spec?.ScopeSelector?.MatchExpressions?.Count ?? 0) > 0;
        foreach (var name in hard.Keys.Where(n => !covered.Contains(n)).Order(StringComparer.Ordinal))
        {
            if (scoped || CountedResource(name) is not { } resource)
            {
                continue;
            }

            if (await _countObjects(resource.Group, resource.Plural, ns, cancellationToken).ConfigureAwait(false) is { } count)
            {
                used[name] = ResourceLists.Quantity(count);
            }
        }

        return used;
    }

    private IEnumerable<object> ObjectsOf(string plural, string ns) => plural switch
    {
        "pods" => _pods.Indexer.ListNamespace(ns),
        "services" => _services.Indexer.ListNamespace(ns),
        "persistentvolumeclaims" => _claims.Indexer.ListNamespace(ns),
        "configmaps" => _configMaps.Indexer.ListNamespace(ns),
        "secrets" => _secrets.Indexer.ListNamespace(ns),
        _ => [],
    };

    /// <summary>The resource an object-count quota name counts: <c>count/deployments.apps</c> → (apps, deployments); bare legacy names are core.</summary>
    internal static (string Group, string Plural)? CountedResource(string name)
    {
        if (name.StartsWith("count/", StringComparison.Ordinal))
        {
            var rest = name["count/".Length..];
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? (string.Empty, rest) : (rest[(dot + 1)..], rest[..dot]);
        }

        return name is "replicationcontrollers" or "resourcequotas" ? (string.Empty, name) : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "QuotaSynced", Level = LogLevel.Debug, Message = "resource quota {Key} recalculated: used {Used}")]
        public static partial void Synced(ILogger logger, string key, string used);
    }
}
