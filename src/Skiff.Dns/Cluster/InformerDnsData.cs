using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Dns.Cluster;

/// <summary><see cref="IClusterDnsData"/> over shared informers, with indexes so every lookup is a dictionary hit.</summary>
internal sealed class InformerDnsData : IClusterDnsData
{
    private const string ByService = "dns-by-service";
    private const string ByClusterIP = "dns-by-cluster-ip";
    private const string ByAddress = "dns-by-address";
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1EndpointSlice> _slices;
    private readonly SharedInformer<V1Namespace> _namespaces;

    public InformerDnsData(InformerFactory informers)
    {
        _services = informers.For<V1Service>(ApiResource.Services);
        _slices = informers.For<V1EndpointSlice>(ApiResource.EndpointSlices);
        _namespaces = informers.For<V1Namespace>(ApiResource.Namespaces);
        _services.Indexer.AddIndex(ByClusterIP, s => s.Spec?.ClusterIPs ?? (s.Spec?.ClusterIP is { } ip ? [ip] : []));
        _slices.Indexer.AddIndex(ByService, s => s.Metadata?.Labels?.TryGetValue(ClusterDnsResolver.ServiceNameLabel, out var svc) == true
            ? [s.Metadata.NamespaceProperty + "/" + svc]
            : []);
        _slices.Indexer.AddIndex(ByAddress, s => (s.Endpoints ?? []).SelectMany(e => e.Addresses ?? []).Distinct());
    }

    /// <summary>Completes once the caches hold a full list.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => Task.WhenAll(
        _services.WaitForSyncAsync(cancellationToken), _slices.WaitForSyncAsync(cancellationToken), _namespaces.WaitForSyncAsync(cancellationToken));

    public V1Service? GetService(string ns, string name) => _services.Indexer.Get(ns, name);

    public IReadOnlyList<V1EndpointSlice> GetSlices(string ns, string name) => _slices.Indexer.ByIndex(ByService, ns + "/" + name);

    public bool NamespaceExists(string ns) => _namespaces.Indexer.Get(null, ns) is not null;

    public IReadOnlyList<V1Service> ServicesByClusterIP(string ip) => _services.Indexer.ByIndex(ByClusterIP, ip);

    public IReadOnlyList<V1EndpointSlice> SlicesByAddress(string ip) => _slices.Indexer.ByIndex(ByAddress, ip);
}
