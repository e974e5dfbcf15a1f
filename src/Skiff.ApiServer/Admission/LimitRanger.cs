using System.Globalization;
using k8s.Models;
using Skiff.Api.Quota;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The LimitRanger admission plugin (kube-apiserver's plugin/pkg/admission/limitranger). Mutating: a new pod's
/// containers get the default limits and requests of the namespace's Container limit ranges where they state none,
/// and the pod is annotated <c>kubernetes.io/limit-ranger</c> with what was set. Validating: containers, the pod as a
/// whole and persistent volume claims must lie within min, max and maxLimitRequestRatio, else 403 Forbidden with
/// Kubernetes' messages. Pods are only checked on create: their resources cannot change afterwards.
/// </summary>
internal sealed class LimitRanger(RegistryAccess access) : IMutatingAdmissionPlugin, IValidatingAdmissionPlugin
{
    public const string Annotation = "kubernetes.io/limit-ranger";

    public string Name => "LimitRanger";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Namespace is { Length: > 0 } && attributes.Subresource is null && attributes.Resource.Group.Length == 0
        && (attributes is { Object: V1Pod, Operation: AdmissionOperation.Create }
            || attributes is { Object: V1PersistentVolumeClaim, Operation: AdmissionOperation.Create or AdmissionOperation.Update });

    public ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        if (attributes.Object is V1Pod pod)
        {
            foreach (var range in Ranges(attributes.Namespace!))
            {
                Default(pod, range);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ValidateAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var range in Ranges(attributes.Namespace!))
        {
            errors.AddRange(attributes.Object switch
            {
                V1Pod pod => ValidatePod(pod, range),
                V1PersistentVolumeClaim pvc => ValidateClaim(pvc, range),
                _ => [],
            });
        }

        if (errors.Count > 0)
        {
            throw ApiException.Forbidden(attributes.Resource, attributes.Name, Aggregate(errors));
        }

        return ValueTask.CompletedTask;
    }

    private IEnumerable<V1LimitRange> Ranges(string ns)
    {
        var store = access.Store<V1LimitRange>();
        var prefix = store.Info.NamespacePrefix(ns);
        return store.Cache.Snapshot().Items.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => store.Decode(kv.Value)).ToList();
    }

    /// <summary>utilerrors.NewAggregate's text: the single message, or "[a, b]" for several.</summary>
    private static string Aggregate(List<string> errors) => errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]";

    /// <summary>Applies one range's Container defaults to every container (PodMutateLimitFunc) and records them in the annotation.</summary>
    internal static void Default(V1Pod pod, V1LimitRange range)
    {
        var limits = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var item in (range.Spec?.Limits ?? []).Where(i => i.Type == "Container"))
        {
            foreach (var (k, v) in item.DefaultProperty ?? new Dictionary<string, ResourceQuantity>())
            {
                limits[k] = v;
            }

            foreach (var (k, v) in item.DefaultRequest ?? new Dictionary<string, ResourceQuantity>())
            {
                requests[k] = v;
            }
        }

        if (limits.Count == 0 && requests.Count == 0)
        {
            return;
        }

        var notes = new List<string>();
        foreach (var c in pod.Spec?.Containers ?? [])
        {
            Merge(c, "container", limits, requests, notes);
        }

        foreach (var c in pod.Spec?.InitContainers ?? [])
        {
            Merge(c, "init container", limits, requests, notes);
        }

        if (notes.Count > 0)
        {
            pod.Metadata.Annotations ??= new Dictionary<string, string>();
            pod.Metadata.Annotations[Annotation] = "LimitRanger plugin set: " + string.Join("; ", notes);
        }
    }

    private static void Merge(V1Container c, string kind, Dictionary<string, ResourceQuantity> limits, Dictionary<string, ResourceQuantity> requests, List<string> notes)
    {
        c.Resources ??= new V1ResourceRequirements();
        var setLimits = new List<string>();
        var setRequests = new List<string>();
        foreach (var (k, v) in limits)
        {
            c.Resources.Limits ??= new Dictionary<string, ResourceQuantity>();
            if (c.Resources.Limits.TryAdd(k, ResourceLists.Copy(v)))
            {
                setLimits.Add(k);
            }
        }

        foreach (var (k, v) in requests)
        {
            c.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
            if (c.Resources.Requests.TryAdd(k, ResourceLists.Copy(v)))
            {
                setRequests.Add(k);
            }
        }

        if (setRequests.Count > 0)
        {
            notes.Add($"{string.Join(", ", setRequests.Order(StringComparer.Ordinal))} request for {kind} {c.Name}");
        }

        if (setLimits.Count > 0)
        {
            notes.Add($"{string.Join(", ", setLimits.Order(StringComparer.Ordinal))} limit for {kind} {c.Name}");
        }
    }

    /// <summary>PodValidateLimitFunc: per-container bounds for Container items, whole-pod bounds for Pod items.</summary>
    internal static List<string> ValidatePod(V1Pod pod, V1LimitRange range)
    {
        var errors = new List<string>();
        foreach (var item in range.Spec?.Limits ?? [])
        {
            if (item.Type == "Container")
            {
                foreach (var c in (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []))
                {
                    Bounds(item, "Container", c.Resources?.Requests, c.Resources?.Limits, errors);
                }
            }
            else if (item.Type == "Pod")
            {
                Bounds(item, "Pod", QuotaEvaluator.PodRequests(pod), QuotaEvaluator.PodLimits(pod), errors);
            }
        }

        return errors;
    }

    /// <summary>PersistentVolumeClaim items bound the claim's storage request (min, and max on the request).</summary>
    internal static List<string> ValidateClaim(V1PersistentVolumeClaim pvc, V1LimitRange range)
    {
        var errors = new List<string>();
        var requests = pvc.Spec?.Resources?.Requests;
        foreach (var item in (range.Spec?.Limits ?? []).Where(i => i.Type == "PersistentVolumeClaim"))
        {
            foreach (var (k, v) in Sorted(item.Min))
            {
                Add(errors, MinConstraint("PersistentVolumeClaim", k, v, requests, new Dictionary<string, ResourceQuantity>()));
            }

            foreach (var (k, v) in Sorted(item.Max))
            {
                Add(errors, MaxRequestConstraint("PersistentVolumeClaim", k, v, requests));
            }
        }

        return errors;
    }

    private static void Bounds(V1LimitRangeItem item, string type, IDictionary<string, ResourceQuantity>? requests, IDictionary<string, ResourceQuantity>? limits, List<string> errors)
    {
        foreach (var (k, v) in Sorted(item.Min))
        {
            Add(errors, MinConstraint(type, k, v, requests, limits));
        }

        foreach (var (k, v) in Sorted(item.Max))
        {
            Add(errors, MaxConstraint(type, k, v, requests, limits));
        }

        foreach (var (k, v) in Sorted(item.MaxLimitRequestRatio))
        {
            Add(errors, RatioConstraint(type, k, v, requests, limits));
        }
    }

    private static IEnumerable<KeyValuePair<string, ResourceQuantity>> Sorted(IDictionary<string, ResourceQuantity>? list) =>
        (list ?? new Dictionary<string, ResourceQuantity>()).Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal);

    private static void Add(List<string> errors, string? error)
    {
        if (error is not null)
        {
            errors.Add(error);
        }
    }

    private static ResourceQuantity? Get(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) ? q : null;

    internal static string? MinConstraint(string type, string name, ResourceQuantity enforced, IDictionary<string, ResourceQuantity>? requests, IDictionary<string, ResourceQuantity>? limits)
    {
        var req = Get(requests, name);
        var lim = Get(limits, name);
        if (req is null)
        {
            return $"minimum {name} usage per {type} is {enforced}.  No request is specified";
        }

        if (req.ToDecimal() < enforced.ToDecimal())
        {
            return $"minimum {name} usage per {type} is {enforced}, but request is {req}";
        }

        return lim is not null && lim.ToDecimal() < enforced.ToDecimal() ? $"minimum {name} usage per {type} is {enforced}, but limit is {lim}" : null;
    }

    internal static string? MaxConstraint(string type, string name, ResourceQuantity enforced, IDictionary<string, ResourceQuantity>? requests, IDictionary<string, ResourceQuantity>? limits)
    {
        var req = Get(requests, name);
        var lim = Get(limits, name);
        if (lim is null)
        {
            return $"maximum {name} usage per {type} is {enforced}.  No limit is specified";
        }

        if (lim.ToDecimal() > enforced.ToDecimal())
        {
            return $"maximum {name} usage per {type} is {enforced}, but limit is {lim}";
        }

        return req is not null && req.ToDecimal() > enforced.ToDecimal() ? $"maximum {name} usage per {type} is {enforced}, but request is {req}" : null;
    }

    internal static string? MaxRequestConstraint(string type, string name, ResourceQuantity enforced, IDictionary<string, ResourceQuantity>? requests)
    {
        var req = Get(requests, name);
        if (req is null)
        {
            return $"maximum {name} usage per {type} is {enforced}.  No request is specified";
        }

        return req.ToDecimal() > enforced.ToDecimal() ? $"maximum {name} usage per {type} is {enforced}, but request is {req}" : null;
    }

    internal static string? RatioConstraint(string type, string name, ResourceQuantity enforced, IDictionary<string, ResourceQuantity>? requests, IDictionary<string, ResourceQuantity>? limits)
    {
        var req = Get(requests, name);
        var lim = Get(limits, name);
        if (req is null || req.ToDecimal() == 0)
        {
            return $"{name} max limit to request ratio per {type} is {enforced}, but no request is specified or request is 0";
        }

        if (lim is null || lim.ToDecimal() == 0)
        {
            return $"{name} max limit to request ratio per {type} is {enforced}, but no limit is specified or limit is 0";
        }

        var ratio = lim.ToDecimal() / req.ToDecimal();
        return ratio > enforced.ToDecimal()
            ? $"{name} max limit to request ratio per {type} is {enforced}, but provided ratio is {ratio.ToString("F6", CultureInfo.InvariantCulture)}"
            : null;
    }
}
