using k8s.Models;

namespace Skiff.Dns.Cluster;

/// <summary>Read-only view of the cluster objects DNS answers from (informer caches in production). Thread-safe.</summary>
internal interface IClusterDnsData
{
    V1Service? GetService(string ns, string name);

    /// <summary>EndpointSlices labelled kubernetes.io/service-name=<paramref name="name"/> in <paramref name="ns"/>.</summary>
    IReadOnlyList<V1EndpointSlice> GetSlices(string ns, string name);

    bool NamespaceExists(string ns);

    /// <summary>Services whose cluster IP is <paramref name="ip"/>.</summary>
    IReadOnlyList<V1Service> ServicesByClusterIP(string ip);

    /// <summary>EndpointSlices that hold an endpoint with address <paramref name="ip"/>.</summary>
    IReadOnlyList<V1EndpointSlice> SlicesByAddress(string ip);
}
