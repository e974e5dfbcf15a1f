using System.Net;
using k8s.Models;

namespace Skiff.ApiServer.Reconcilers;

/// <summary>
/// The pure part of the <c>kubernetes</c> Service's endpoint reconciler: which API servers are live, from their identity
/// Leases, and the Endpoints and EndpointSlice that list them. Same rules as kube-apiserver's "lease" endpoint
/// reconciler: a server counts while its lease was renewed within the TTL; addresses are sorted so every server
/// writes the same object.
/// </summary>
internal static class ApiServerEndpoints
{
    /// <summary>The label kube-apiserver puts on its identity Leases.</summary>
    public const string IdentityLabel = "apiserver.kubernetes.io/identity";

    /// <summary>The value of <see cref="IdentityLabel"/>.</summary>
    public const string IdentityValue = "kube-apiserver";

    /// <summary>
    /// The annotation on a Skiff identity Lease naming where that server is reached (<c>IP:PORT</c>). Kubernetes keeps
    /// these in separate "master lease" keys; one object per server is simpler and shows in <c>kubectl get lease -o yaml</c>.
    /// </summary>
    public const string EndpointAnnotation = "skiff.io/apiserver-endpoint";

    /// <summary>How long after its last renewal a server still counts as live (kube-apiserver's master lease TTL).</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);

    /// <summary>How often each server renews its lease and reconciles (kube-apiserver's endpoint reconciler interval).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>The live servers' endpoints, sorted by address then port, without duplicates.</summary>
    public static IReadOnlyList<IPEndPoint> Live(IEnumerable<V1Lease> leases, DateTimeOffset now)
    {
        var live = new SortedSet<IPEndPoint>(Comparer<IPEndPoint>.Create(Compare));
        foreach (var lease in leases)
        {
            if (lease.Metadata?.Labels is not { } labels || !labels.TryGetValue(IdentityLabel, out var identity) || identity != IdentityValue
                || lease.Metadata.DeletionTimestamp is not null
                || lease.Spec?.RenewTime is not { } renewed
                || new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)) + Ttl < now
                || lease.Metadata.Annotations is not { } annotations
                || !annotations.TryGetValue(EndpointAnnotation, out var text)
                || !IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
            {
                continue;
            }

            live.Add(endpoint);
        }

        return [.. live];
    }

    /// <summary>
    /// The Endpoints <c>default/kubernetes</c> listing <paramref name="live"/>: one subset per port (servers normally
    /// share one port; a subset per port keeps every server reachable when they do not).
    /// </summary>
    public static V1Endpoints Endpoints(IReadOnlyList<IPEndPoint> live) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "kubernetes",
            NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { ["endpointslice.kubernetes.io/skip-mirror"] = "true" },
        },
        Subsets = live.Count == 0
            ? null
            : live.GroupBy(e => e.Port).OrderBy(g => g.Key).Select(g => new V1EndpointSubset
            {
                Addresses = g.Select(e => new V1EndpointAddress { Ip = e.Address.ToString() }).ToList(),
                Ports = [new Corev1EndpointPort { Name = "https", Port = g.Key, Protocol = "TCP" }],
            }).ToList(),
    };

    /// <summary>
    /// The EndpointSlice <c>default/kubernetes</c>. One slice has one port list, so it carries the servers on the port
    /// most of them use (the lowest on a tie); with one shared port, as in any real deployment, that is all of them.
    /// </summary>
    public static V1EndpointSlice Slice(IReadOnlyList<IPEndPoint> live)
    {
        var group = live.GroupBy(e => e.Port).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).FirstOrDefault();
        return new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta
            {
                Name = "kubernetes",
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "kubernetes" },
            },
            AddressType = "IPv4",
            Endpoints = (group ?? Enumerable.Empty<IPEndPoint>()).Select(e => new V1Endpoint
            {
                Addresses = [e.Address.ToString()],
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
            }).ToList(),
            Ports = group is null ? null : [new Discoveryv1EndpointPort { Name = "https", Port = group.Key, Protocol = "TCP" }],
        };
    }

    /// <summary>Whether two Endpoints list the same addresses and ports (what the reconciler owns).</summary>
    public static bool SameAddresses(V1Endpoints a, V1Endpoints b) => Describe(a) == Describe(b);

    /// <summary>Whether two EndpointSlices list the same endpoints and ports.</summary>
    public static bool SameAddresses(V1EndpointSlice a, V1EndpointSlice b) => Describe(a) == Describe(b);

    /// <summary>Formats an endpoint as the annotation holds it.</summary>
    public static string Format(IPAddress address, int port) => new IPEndPoint(address, port).ToString();

    private static string Describe(V1Endpoints e) => string.Join(";", (e.Subsets ?? []).Select(s =>
        string.Join(",", (s.Addresses ?? []).Select(a => a.Ip)) + ":" + string.Join(",", (s.Ports ?? []).Select(p => $"{p.Name}/{p.Port}/{p.Protocol}"))
        + "|" + string.Join(",", (s.NotReadyAddresses ?? []).Select(a => a.Ip))));

    private static string Describe(V1EndpointSlice s) =>
        s.AddressType + "|" + string.Join(",", (s.Endpoints ?? []).Select(e => string.Join("+", e.Addresses ?? []) + (e.Conditions?.Ready == true ? "" : "!")))
        + "|" + string.Join(",", (s.Ports ?? []).Select(p => $"{p.Name}/{p.Port}/{p.Protocol}"));

    private static int Compare(IPEndPoint? x, IPEndPoint? y)
    {
        var a = x!.Address.GetAddressBytes();
        var b = y!.Address.GetAddressBytes();
        var byAddress = a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.AsSpan().SequenceCompareTo(b);
        return byAddress != 0 ? byAddress : x.Port.CompareTo(y.Port);
    }
}
