using System.Globalization;
using System.Text;
using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.Kubelet.Env;

/// <summary>
/// Values of the downward API, shared by env (<c>fieldRef</c>, <c>resourceFieldRef</c>) and downwardAPI/projected
/// volume files, with the kubelet's semantics: labels and annotations as sorted <c>key="value"</c> lines, the
/// <c>status.*</c> fields from the addresses the kubelet knows (not yet in the pod's status when a container is
/// created), and resource values rounded up to whole units of the divisor.
/// </summary>
internal static class DownwardApi
{
    /// <summary>
    /// The value of <paramref name="fieldPath"/> for <paramref name="pod"/>.
    /// <paramref name="podIPs"/> and <paramref name="hostIPs"/> override the pod's status (the kubelet passes the
    /// sandbox's addresses); null means "take them from the status".
    /// </summary>
    /// <exception cref="CreateContainerConfigException">the field path is not supported.</exception>
    public static string FieldValue(V1Pod pod, string fieldPath, IReadOnlyList<string>? podIPs = null, IReadOnlyList<string>? hostIPs = null)
    {
        podIPs ??= PodIPs(pod);
        hostIPs ??= HostIPs(pod);
        switch (fieldPath)
        {
            case "spec.nodeName":
                return pod.Spec?.NodeName ?? "";
            case "spec.serviceAccountName":
                return pod.Spec?.ServiceAccountName ?? "";
            case "status.hostIP":
                return hostIPs.Count > 0 ? hostIPs[0] : "";
            case "status.hostIPs":
                return string.Join(',', hostIPs);
            case "status.podIP":
                return podIPs.Count > 0 ? podIPs[0] : "";
            case "status.podIPs":
                return string.Join(',', podIPs);
            case "metadata.name":
                return pod.Metadata?.Name ?? "";
            case "metadata.namespace":
                return pod.Metadata?.NamespaceProperty ?? "";
            case "metadata.uid":
                return pod.Metadata?.Uid ?? "";
            case "metadata.labels":
                return FormatMap(pod.Metadata?.Labels);
            case "metadata.annotations":
                return FormatMap(pod.Metadata?.Annotations);
        }

        if (TrySubscript(fieldPath, out var path, out var key))
        {
            var map = path switch
            {
                "metadata.labels" => pod.Metadata?.Labels,
                "metadata.annotations" => pod.Metadata?.Annotations,
                _ => throw new CreateContainerConfigException($"unsupported fieldPath: {fieldPath}"),
            };
            return map is not null && map.TryGetValue(key, out var v) ? v : "";
        }

        throw new CreateContainerConfigException($"unsupported fieldPath: {fieldPath}");
    }

    /// <summary>
    /// The value of a resourceFieldRef for <paramref name="container"/>: <c>limits.*</c> / <c>requests.*</c> of cpu,
    /// memory and ephemeral-storage (and hugepages-*), divided by the divisor (default 1) and rounded up.
    /// A limit the container does not set is the node's allocatable amount, as the kubelet defaults it.
    /// </summary>
    /// <exception cref="CreateContainerConfigException">the resource is not supported.</exception>
    public static string ResourceValue(V1ResourceFieldSelector selector, V1Container container, IDictionary<string, ResourceQuantity>? nodeAllocatable)
    {
        var resource = selector.Resource ?? "";
        var divisor = selector.Divisor is { } d && d.ToDecimal() != 0 ? d.ToDecimal() : 1m;
        string kind;
        string name;
        if (resource.StartsWith("limits.", StringComparison.Ordinal))
        {
            kind = "limits";
            name = resource["limits.".Length..];
        }
        else if (resource.StartsWith("requests.", StringComparison.Ordinal))
        {
            kind = "requests";
            name = resource["requests.".Length..];
        }
        else
        {
            throw new CreateContainerConfigException($"unsupported container resource : {resource}");
        }

        if (name is not ("cpu" or "memory" or "ephemeral-storage") && !name.StartsWith("hugepages-", StringComparison.Ordinal))
        {
            throw new CreateContainerConfigException($"unsupported container resource : {resource}");
        }

        var source = kind == "limits" ? container.Resources?.Limits : container.Resources?.Requests;
        decimal amount;
        if (source is not null && source.TryGetValue(name, out var q))
        {
            amount = q.ToDecimal();
        }
        else if (kind == "limits" && (name is "cpu" or "memory" or "ephemeral-storage")
                 && nodeAllocatable is not null && nodeAllocatable.TryGetValue(name, out var alloc))
        {
            amount = alloc.ToDecimal();
        }
        else
        {
            amount = 0;
        }

        long result;
        if (name == "cpu")
        {
            // CPU compares milli-values (both rounded up to whole millicores first), like the kubelet.
            var milli = Math.Ceiling(amount * 1000m);
            var divMilli = Math.Ceiling(divisor * 1000m);
            result = (long)Math.Ceiling(milli / divMilli);
        }
        else
        {
            var value = Math.Ceiling(amount);
            var divValue = Math.Ceiling(divisor);
            result = (long)Math.Ceiling(value / divValue);
        }

        return result.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A map as the downward API prints it: one <c>key="value"</c> line per entry, keys sorted, values quoted the way
    /// Go's <c>%q</c> quotes them, no trailing newline.
    /// </summary>
    public static string FormatMap(IDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var key in map.Keys.Order(StringComparer.Ordinal))
        {
            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            sb.Append(key).Append('=').Append(GoValue.Quote(map[key]));
        }

        return sb.ToString();
    }

    /// <summary>The pod's IPs from its status (podIPs, else podIP).</summary>
    public static IReadOnlyList<string> PodIPs(V1Pod pod) =>
        pod.Status?.PodIPs is { Count: > 0 } ips ? ips.Select(i => i.Ip).ToList()
        : string.IsNullOrEmpty(pod.Status?.PodIP) ? [] : [pod.Status!.PodIP];

    /// <summary>The node's IPs from the pod's status (hostIPs, else hostIP).</summary>
    public static IReadOnlyList<string> HostIPs(V1Pod pod) =>
        pod.Status?.HostIPs is { Count: > 0 } ips ? ips.Select(i => i.Ip).ToList()
        : string.IsNullOrEmpty(pod.Status?.HostIP) ? [] : [pod.Status!.HostIP];

    // metadata.labels['key'] / metadata.annotations['key'] (apimachinery's SplitMaybeSubscriptedPath).
    private static bool TrySubscript(string fieldPath, out string path, out string key)
    {
        path = "";
        key = "";
        if (!fieldPath.EndsWith("']", StringComparison.Ordinal))
        {
            return false;
        }

        var open = fieldPath.IndexOf("['", StringComparison.Ordinal);
        if (open <= 0)
        {
            return false;
        }

        path = fieldPath[..open];
        key = fieldPath[(open + 2)..^2];
        return key.Length > 0;
    }
}
