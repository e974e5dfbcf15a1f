using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Networking.Ingresses;

/// <summary>kube-apiserver's ingress printer: NAME CLASS HOSTS ADDRESS PORTS AGE.</summary>
internal sealed class IngressTable : TableConvertor<V1Ingress>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
        new("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
        new("Address", "string", "Address is a list containing ingress points for the load-balancer"),
        new("Ports", "string", "Ports of TLS configurations that open"),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1Ingress obj, DateTime now) =>
    [
        obj.Metadata.Name,
        obj.Spec?.IngressClassName ?? "<none>",
        Hosts(obj.Spec?.Rules),
        Address(obj.Status?.LoadBalancer),
        (obj.Spec?.Tls?.Count ?? 0) != 0 ? "80, 443" : "80",
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
    ];

    /// <summary>formatHosts: up to three hosts, then "+ N more..."; <c>*</c> when no rule names a host.</summary>
    internal static string Hosts(IList<V1IngressRule>? rules)
    {
        var list = new List<string>();
        var more = false;
        foreach (var rule in rules ?? [])
        {
            if (list.Count == 3)
            {
                more = true;
            }

            if (!more && !string.IsNullOrEmpty(rule.Host))
            {
                list.Add(rule.Host);
            }
        }

        if (list.Count == 0)
        {
            return "*";
        }

        var text = string.Join(",", list);
        return more ? $"{text} + {rules!.Count - 3} more..." : text;
    }

    /// <summary>The sorted, de-duplicated IPs (or hostnames) of the load balancer; untruncated as the server prints wide.</summary>
    internal static string Address(V1IngressLoadBalancerStatus? status) =>
        string.Join(",", (status?.Ingress ?? [])
            .Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname)
            .Where(s => !string.IsNullOrEmpty(s))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(s => s, StringComparer.Ordinal));
}
