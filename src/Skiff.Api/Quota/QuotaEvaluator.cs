using k8s.Models;

namespace Skiff.Api.Quota;

/// <summary>
/// What an object costs against a ResourceQuota, after kube-apiserver's quota evaluators (pkg/quota/v1/evaluator/core):
/// pods (counts, requests, limits, the cpu/memory shorthands, hugepages and extended resources; terminal pods are
/// free), services (count, node ports, load balancers), persistent volume claims (count and storage, also per
/// storage class) and an object count <c>count/&lt;resource&gt;.&lt;group&gt;</c> for everything. Stateless and thread-safe.
/// </summary>
public static class QuotaEvaluator
{
    private const string RequestsPrefix = "requests.";
    private const string LimitsPrefix = "limits.";
    private const string StorageClassSuffix = ".storageclass.storage.k8s.io/";

    /// <summary>The core resources that also have a bare quota name besides their <c>count/</c> name.</summary>
    private static readonly HashSet<string> LegacyCounted = new(StringComparer.Ordinal)
    {
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
    };

    private static readonly HashSet<string> PodComputeNames = new(StringComparer.Ordinal)
    {
        "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    };

    /// <summary>The object-count quota name of a resource: <c>count/pods</c>, <c>count/deployments.apps</c>.</summary>
    public static string CountName(string group, string plural) => group.Length == 0 ? "count/" + plural : $"count/{plural}.{group}";

    /// <summary>Whether the quota resource <paramref name="name"/> is one this resource's evaluator charges (MatchingResources).</summary>
    public static bool Tracks(string group, string plural, string name)
    {
        if (name == CountName(group, plural) || (group.Length == 0 && LegacyCounted.Contains(plural) && name == plural))
        {
            return true;
        }

        if (group.Length != 0)
        {
            return false;
        }

        return plural switch
        {
            "pods" => name is "cpu" or "memory" or "ephemeral-storage"
                || name.StartsWith("hugepages-", StringComparison.Ordinal)
                || (name.StartsWith(RequestsPrefix, StringComparison.Ordinal) && name != "requests.storage")
                || name.StartsWith(LimitsPrefix, StringComparison.Ordinal),
            "services" => name is "services.nodeports" or "services.loadbalancers",
            "persistentvolumeclaims" => name == "requests.storage"
                || (name.Contains(StorageClassSuffix, StringComparison.Ordinal)
                    && (name.EndsWith("/requests.storage", StringComparison.Ordinal) || name.EndsWith("/persistentvolumeclaims", StringComparison.Ordinal))),
            _ => false,
        };
    }

    /// <summary>The usage one object adds to a quota.</summary>
    public static Dictionary<string, ResourceQuantity> Usage(string group, string plural, object obj, DateTimeOffset now)
    {
        var result = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        switch (obj)
        {
            case V1Pod pod when group.Length == 0:
                if (!IsCounted(pod, now))
                {
                    return result;
                }

                PodUsage(pod, result);
                break;
            case V1Service svc when group.Length == 0:
                ServiceUsage(svc, result);
                break;
            case V1PersistentVolumeClaim pvc when group.Length == 0:
                ClaimUsage(pvc, result);
                break;
        }

        result[CountName(group, plural)] = ResourceLists.Quantity(1);
        if (group.Length == 0 && LegacyCounted.Contains(plural))
        {
            result[plural] = ResourceLists.Quantity(1);
        }

        return result;
    }

    /// <summary>
    /// Whether a pod still uses quota (QuotaV1Pod): not once it has succeeded or failed, nor once its deletion
    /// grace period has run out (a node that will never confirm must not hold the quota forever).
    /// </summary>
    public static bool IsCounted(V1Pod pod, DateTimeOffset now)
    {
        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return false;
        }

        if (pod.Metadata?.DeletionTimestamp is { } deleting && pod.Metadata.DeletionGracePeriodSeconds is { } grace)
        {
            var due = new DateTimeOffset(DateTime.SpecifyKind(deleting, DateTimeKind.Utc)).AddSeconds(grace);
            return now <= due;
        }

        return true;
    }

    /// <summary>The effective requests of a pod (PodRequests): sum over containers, at least each init container, plus overhead.</summary>
    public static Dictionary<string, ResourceQuantity> PodRequests(V1Pod pod) => PodAggregate(pod, r => r?.Requests);

    /// <summary>The effective limits of a pod (PodLimits), aggregated like <see cref="PodRequests"/>.</summary>
    public static Dictionary<string, ResourceQuantity> PodLimits(V1Pod pod) => PodAggregate(pod, r => r?.Limits);

    private static Dictionary<string, ResourceQuantity> PodAggregate(V1Pod pod, Func<V1ResourceRequirements?, IDictionary<string, ResourceQuantity>?> pick)
    {
        var sum = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var c in pod.Spec?.Containers ?? [])
        {
            sum = ResourceLists.Add(sum, pick(c.Resources));
        }

        // Init containers run one at a time before the app containers; restartable ones (sidecars) keep running
        // beside everything started after them. The pod needs the most of any moment.
        var sidecars = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var initPeak = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var c in pod.Spec?.InitContainers ?? [])
        {
            var own = ResourceLists.Copy(pick(c.Resources));
            if (c.RestartPolicy == "Always")
            {
                sum = ResourceLists.Add(sum, own);
                sidecars = ResourceLists.Add(sidecars, own);
                Max(initPeak, sidecars);
            }
            else
            {
                Max(initPeak, ResourceLists.Add(own, sidecars));
            }
        }

        Max(sum, initPeak);
        if (pod.Spec?.Overhead is { Count: > 0 } overhead)
        {
            sum = ResourceLists.Add(sum, overhead.Where(kv => sum.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value));
        }

        return sum;
    }

    private static void Max(Dictionary<string, ResourceQuantity> into, Dictionary<string, ResourceQuantity> other)
    {
        foreach (var (name, q) in other)
        {
            if (!into.TryGetValue(name, out var have) || have.ToDecimal() < q.ToDecimal())
            {
                into[name] = q;
            }
        }
    }

    private static void PodUsage(V1Pod pod, Dictionary<string, ResourceQuantity> result)
    {
        foreach (var (name, q) in ComputeUsage(PodRequests(pod), PodLimits(pod)))
        {
            result[name] = q;
        }
    }

    /// <summary>podComputeUsageHelper: the quota names a set of requests and limits charges.</summary>
    internal static Dictionary<string, ResourceQuantity> ComputeUsage(IDictionary<string, ResourceQuantity>? requests, IDictionary<string, ResourceQuantity>? limits)
    {
        var result = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var (name, q) in requests ?? new Dictionary<string, ResourceQuantity>())
        {
            if (q is null)
            {
                continue;
            }

            if (name is "cpu" or "memory" or "ephemeral-storage")
            {
                result[name] = ResourceLists.Copy(q);
                result[RequestsPrefix + name] = ResourceLists.Copy(q);
            }
            else if (name.StartsWith("hugepages-", StringComparison.Ordinal))
            {
                result[name] = ResourceLists.Copy(q);
                result[RequestsPrefix + name] = ResourceLists.Copy(q);
            }
            else if (IsExtendedResourceName(name))
            {
                // Extended resources have requests equal to limits; quota names them only as requests.<name>.
                result[RequestsPrefix + name] = ResourceLists.Copy(q);
            }
        }

        foreach (var (name, q) in limits ?? new Dictionary<string, ResourceQuantity>())
        {
            if (q is not null && name is "cpu" or "memory" or "ephemeral-storage")
            {
                result[LimitsPrefix + name] = ResourceLists.Copy(q);
            }
        }

        return result;
    }

    /// <summary>A resource name outside the kubernetes.io namespace with a domain prefix (IsExtendedResourceName).</summary>
    public static bool IsExtendedResourceName(string name) =>
        name.Contains('/') && !name.StartsWith("requests.", StringComparison.Ordinal)
        && !name.Split('/')[0].EndsWith("kubernetes.io", StringComparison.Ordinal);

    private static void ServiceUsage(V1Service svc, Dictionary<string, ResourceQuantity> result)
    {
        var ports = svc.Spec?.Ports ?? [];
        switch (svc.Spec?.Type)
        {
            case "NodePort":
                result["services.nodeports"] = ResourceLists.Quantity(ports.Count);
                break;
            case "LoadBalancer":
                result["services.loadbalancers"] = ResourceLists.Quantity(1);
                result["services.nodeports"] = ResourceLists.Quantity(svc.Spec.AllocateLoadBalancerNodePorts == false
                    ? ports.Count(p => p.NodePort is > 0)
                    : ports.Count);
                break;
        }
    }

    private static void ClaimUsage(V1PersistentVolumeClaim pvc, Dictionary<string, ResourceQuantity> result)
    {
        var storageClass = pvc.Metadata?.Annotations?.TryGetValue("volume.beta.kubernetes.io/storage-class", out var c) == true ? c : pvc.Spec?.StorageClassName;
        if (!string.IsNullOrEmpty(storageClass))
        {
            result[storageClass + StorageClassSuffix + "persistentvolumeclaims"] = ResourceLists.Quantity(1);
        }

        // A claim being expanded is charged for the larger of its request and what the volume was given.
        var request = pvc.Spec?.Resources?.Requests?.TryGetValue("storage", out var r) == true ? r : null;
        var allocated = pvc.Status?.AllocatedResources?.TryGetValue("storage", out var a) == true ? a : null;
        var storage = allocated is not null && (request is null || allocated.ToDecimal() > request.ToDecimal()) ? allocated : request;
        if (storage is not null)
        {
            result["requests.storage"] = ResourceLists.Copy(storage);
            if (!string.IsNullOrEmpty(storageClass))
            {
                result[storageClass + StorageClassSuffix + "requests.storage"] = ResourceLists.Copy(storage);
            }
        }
    }

    /// <summary>
    /// Whether the quota's scopes (spec.scopes and spec.scopeSelector) select the object. Scopes describe pods;
    /// a scoped quota charges no other kind of object.
    /// </summary>
    public static bool MatchesScopes(V1ResourceQuotaSpec? spec, object obj)
    {
        var selectors = (spec?.Scopes ?? []).Select(s => new V1ScopedResourceSelectorRequirement { ScopeName = s, OperatorProperty = "Exists" })
            .Concat(spec?.ScopeSelector?.MatchExpressions ?? [])
            .ToList();
        if (selectors.Count == 0)
        {
            return true;
        }

        return obj is V1Pod pod && selectors.All(s => PodMatchesScope(pod, s));
    }

    private static bool PodMatchesScope(V1Pod pod, V1ScopedResourceSelectorRequirement selector)
    {
        switch (selector.ScopeName)
        {
            case "Terminating":
                return pod.Spec?.ActiveDeadlineSeconds is >= 0;
            case "NotTerminating":
                return pod.Spec?.ActiveDeadlineSeconds is not >= 0;
            case "BestEffort":
                return IsBestEffort(pod);
            case "NotBestEffort":
                return !IsBestEffort(pod);
            case "CrossNamespacePodAffinity":
                return UsesCrossNamespaceAffinity(pod);
            case "PriorityClass":
                var cls = pod.Spec?.PriorityClassName ?? string.Empty;
                return selector.OperatorProperty switch
                {
                    "Exists" => cls.Length != 0,
                    "DoesNotExist" => cls.Length == 0,
                    "In" => (selector.Values ?? []).Contains(cls),
                    "NotIn" => !(selector.Values ?? []).Contains(cls),
                    _ => false,
                };
            default:
                return false;
        }
    }

    /// <summary>A pod whose containers request and limit no cpu or memory (the BestEffort QoS class).</summary>
    public static bool IsBestEffort(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).All(c =>
            !new[] { c.Resources?.Requests, c.Resources?.Limits }.Any(list =>
                list is not null && list.Any(kv => kv.Key is "cpu" or "memory" && kv.Value is not null && kv.Value.ToDecimal() != 0)));

    private static bool UsesCrossNamespaceAffinity(V1Pod pod)
    {
        var terms = new List<V1PodAffinityTerm>();
        terms.AddRange(pod.Spec?.Affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? []);
        terms.AddRange((pod.Spec?.Affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? []).Select(t => t.PodAffinityTerm));
        terms.AddRange(pod.Spec?.Affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? []);
        terms.AddRange((pod.Spec?.Affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? []).Select(t => t.PodAffinityTerm));
        return terms.Any(t => t.Namespaces is { Count: > 0 } || t.NamespaceSelector is not null);
    }

    /// <summary>
    /// The pod evaluator's Constraints: when a quota limits cpu or memory, every container must state the matching
    /// request or limit. Returns "must specify limits.cpu for: a,b; requests.memory for: c", or null when satisfied.
    /// </summary>
    public static string? Constraints(IEnumerable<string> required, object obj)
    {
        if (obj is not V1Pod pod)
        {
            return null;
        }

        var requiredSet = required.Where(PodComputeNames.Contains).ToHashSet(StringComparer.Ordinal);
        if (requiredSet.Count == 0)
        {
            return null;
        }

        var missing = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var c in (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []))
        {
            var has = ComputeUsage(c.Resources?.Requests, c.Resources?.Limits).Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var name in requiredSet.Where(n => !has.Contains(n)))
            {
                if (!missing.TryGetValue(name, out var containers))
                {
                    missing[name] = containers = new SortedSet<string>(StringComparer.Ordinal);
                }

                containers.Add(c.Name);
            }
        }

        return missing.Count == 0 ? null : "must specify " + string.Join("; ", missing.Select(kv => $"{kv.Key} for: {string.Join(",", kv.Value)}"));
    }
}
