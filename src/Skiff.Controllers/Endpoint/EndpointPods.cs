using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Endpoint;

/// <summary>
/// The rules the Endpoints and EndpointSlice controllers share, after kube-controller-manager's
/// endpointsliceutil and podutil: which pods back a Service, on which port, under which address and hostname.
/// </summary>
internal static class EndpointPods
{
    /// <summary>Whether the service is managed by these controllers at all: ExternalName and selector-less services are not.</summary>
    public static bool HasSelector(V1Service service) =>
        service.Spec?.Type != "ExternalName" && service.Spec?.Selector is { Count: > 0 };

    public static bool IsHeadless(V1Service service) => service.Spec?.ClusterIP == "None";

    /// <summary>The services in the pod's namespace whose selector matches the pod's labels.</summary>
    public static IEnumerable<V1Service> ServicesSelecting(Indexer<V1Service> services, V1Pod pod) =>
        services.ListNamespace(pod.Metadata.NamespaceProperty)
            .Where(s => HasSelector(s) && Selectors.MatchesMap(s.Spec.Selector, pod.Metadata.Labels));

    /// <summary>
    /// endpointsliceutil.ShouldPodBeInEndpoints: a pod needs an IP, must not be terminating unless
    /// <paramref name="includeTerminating"/>, and must not have finished for good under its restart policy.
    /// </summary>
    /// <summary>
    /// The keys of the services a pod change concerns (kube-controller-manager's endpoints podUpdate): those that
    /// select the pod now and, when its labels changed, those that selected it before and must drop it.
    /// Empty when the resourceVersion did not change (a resync).
    /// </summary>
    public static IReadOnlySet<string> ServiceKeysFor(Indexer<V1Service> services, V1Pod old, V1Pod cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return new HashSet<string>();
        }

        var keys = ServicesSelecting(services, cur).Select(ObjectKey.Of).ToHashSet();
        if (!Objects.JsonEqual(old.Metadata.Labels, cur.Metadata.Labels))
        {
            keys.UnionWith(ServicesSelecting(services, old).Select(ObjectKey.Of));
        }

        return keys;
    }

    public static bool ShouldBeInEndpoints(V1Pod pod, bool includeTerminating)
    {
        if (string.IsNullOrEmpty(pod.Status?.PodIP))
        {
            return false;
        }

        if (!includeTerminating && pod.Metadata.DeletionTimestamp is not null)
        {
            return false;
        }

        return pod.Spec?.RestartPolicy switch
        {
            "Never" => pod.Status.Phase is not ("Failed" or "Succeeded"),
            "OnFailure" => pod.Status.Phase != "Succeeded",
            _ => true,
        };
    }

    /// <summary>
    /// podutil.FindPort: a numeric targetPort is used as is; a named one is looked up among the pod's
    /// container ports with the service port's protocol. Null when the pod has no such port.
    /// </summary>
    public static int? FindPort(V1Pod pod, V1ServicePort servicePort)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return servicePort.Port;
        }

        if (int.TryParse(target, out var number))
        {
            return number;
        }

        var protocol = servicePort.Protocol ?? "TCP";
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.Name == target && (port.Protocol ?? "TCP") == protocol)
                {
                    return port.ContainerPort;
                }
            }
        }

        return null;
    }

    /// <summary>The pod's IPs, primary first (status.podIPs, or status.podIP on its own).</summary>
    public static IEnumerable<string> PodIps(V1Pod pod)
    {
        var ips = pod.Status?.PodIPs?.Select(p => p.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        if (ips is { Count: > 0 })
        {
            return ips;
        }

        return string.IsNullOrEmpty(pod.Status?.PodIP) ? [] : [pod.Status.PodIP];
    }

    /// <summary>"IPv4" or "IPv6", the EndpointSlice addressType of an address; null when it does not parse.</summary>
    public static string? AddressType(string ip) =>
        IPAddress.TryParse(ip, out var address)
            ? address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4"
            : null;

    /// <summary>
    /// The hostname a headless service publishes for the pod: spec.hostname when the pod's spec.subdomain names
    /// this service (the DNS A record pod-hostname.service.namespace), otherwise none.
    /// </summary>
    public static string? Hostname(V1Pod pod, V1Service service) =>
        IsHeadless(service) && !string.IsNullOrEmpty(pod.Spec?.Hostname) && pod.Spec.Subdomain == service.Metadata.Name
            ? pod.Spec.Hostname
            : null;

    public static V1ObjectReference TargetRef(V1Pod pod) => new()
    {
        Kind = "Pod",
        NamespaceProperty = pod.Metadata.NamespaceProperty,
        Name = pod.Metadata.Name,
        Uid = pod.Metadata.Uid,
    };
}
