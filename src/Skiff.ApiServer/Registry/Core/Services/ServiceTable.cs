using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>The service columns of kube-apiserver's printers (printService, getServiceExternalIP, makePortString).</summary>
internal sealed class ServiceTable : TableConvertor<V1Service>
{
    public static readonly ServiceTable Instance = new();

    // The load balancer column is clipped to 16 bytes unless the server renders wide output; the
    // API server always renders tables wide, so the full list is returned.
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"),
        new("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
        new("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system."),
        new("Port(s)", "string", "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
        Shared.Columns.Age,
        new("Selector", "string", "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/", 1),
    ];

    public override object?[] Cells(V1Service obj, DateTime now)
    {
        var spec = obj.Spec ?? new V1ServiceSpec();
        var clusterIp = spec.ClusterIPs is { Count: > 0 } ips ? ips[0] : "<none>";
        var ports = string.Join(",", (spec.Ports ?? []).Select(p =>
            p.NodePort is > 0 ? $"{p.Port}:{p.NodePort}/{p.Protocol}" : $"{p.Port}/{p.Protocol}"));
        return
        [
            obj.Metadata.Name,
            spec.Type ?? "",
            clusterIp,
            ExternalIp(obj),
            ports.Length == 0 ? "<none>" : ports,
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            Shared.Columns.FormatLabels(spec.Selector),
        ];
    }

    private static string ExternalIp(V1Service obj)
    {
        var spec = obj.Spec!;
        var externalIps = spec.ExternalIPs ?? [];
        switch (spec.Type)
        {
            case "ClusterIP" or "NodePort":
                return externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>";
            case "LoadBalancer":
                var lb = (obj.Status?.LoadBalancer?.Ingress ?? [])
                    .Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname)
                    .Where(s => !string.IsNullOrEmpty(s))
                    .Distinct()
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (externalIps.Count > 0)
                {
                    return string.Join(",", lb.Concat(externalIps));
                }

                return lb.Count > 0 ? string.Join(",", lb) : "<pending>";
            case "ExternalName":
                return spec.ExternalName ?? "";
            default:
                return "<unknown>";
        }
    }
}
