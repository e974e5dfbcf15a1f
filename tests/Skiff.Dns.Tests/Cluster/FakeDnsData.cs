using k8s.Models;
using Skiff.Dns.Cluster;

namespace Skiff.Dns.Tests.Cluster;

/// <summary>In-memory cluster objects for resolver tests.</summary>
internal sealed class FakeDnsData : IClusterDnsData
{
    public List<V1Service> Services { get; } = [];

    public List<V1EndpointSlice> Slices { get; } = [];

    public HashSet<string> Namespaces { get; } = ["default", "kube-system"];

    public V1Service? GetService(string ns, string name) => Services.FirstOrDefault(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == name);

    public IReadOnlyList<V1EndpointSlice> GetSlices(string ns, string name) =>
        [.. Slices.Where(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Labels?["kubernetes.io/service-name"] == name)];

    public bool NamespaceExists(string ns) => Namespaces.Contains(ns);

    public IReadOnlyList<V1Service> ServicesByClusterIP(string ip) => [.. Services.Where(s => s.Spec?.ClusterIP == ip)];

    public IReadOnlyList<V1EndpointSlice> SlicesByAddress(string ip) => [.. Slices.Where(s => s.Endpoints?.Any(e => e.Addresses.Contains(ip)) == true)];

    public static V1Service Service(string name, string clusterIP, string ns = "default", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = clusterIP,
            Ports = ports.Length == 0 ? [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] : ports,
        },
    };

    public static V1EndpointSlice Slice(string service, string ns, int port, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = service + "-abc", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Endpoints = endpoints,
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
    };

    public static V1Endpoint Endpoint(string ip, string? hostname = null, bool ready = true) => new()
    {
        Addresses = [ip],
        Hostname = hostname,
        Conditions = new V1EndpointConditions { Ready = ready },
    };
}
