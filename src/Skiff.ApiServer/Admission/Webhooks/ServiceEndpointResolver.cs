using System.Net;
using k8s.Models;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// Resolves a webhook's <c>clientConfig.service</c> to an address the API server can dial itself, as kube-apiserver's
/// endpoint routing does (so webhooks work without a Service proxy on the server's host): the Service's port becomes a
/// ready endpoint's address and target port from its EndpointSlices (or its Endpoints); an ExternalName Service
/// becomes its external name. Reads the watch caches only.
/// </summary>
internal sealed class ServiceEndpointResolver(RegistryAccess access)
{
    /// <summary>The host and port to connect to for <c>https://NAME.NAMESPACE.svc:PORT</c>; throws <see cref="WebhookCallException"/> naming what is missing.</summary>
    public (string Host, int Port) Resolve(string ns, string name, int port)
    {
        var services = access.Store<V1Service>();
        var service = services.Cache.Get(services.Key(ns, name)) is { } o ? services.Decode(o) : null;
        var slices = access.Store<V1EndpointSlice>();
        var prefix = slices.Info.NamespacePrefix(ns);
        var owned = slices.Cache.Snapshot().Items
            .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Value.Labels is { } l && l.TryGetValue("kubernetes.io/service-name", out var owner) && owner == name)
            .Select(kv => slices.Decode(kv.Value));
        var endpointStore = access.Store<V1Endpoints>();
        var endpoints = endpointStore.Cache.Get(endpointStore.Key(ns, name)) is { } e ? endpointStore.Decode(e) : null;
        var candidates = Candidates(service, name, port, owned, endpoints);
        return candidates[Random.Shared.Next(candidates.Count)];
    }

    /// <summary>
    /// Every address a request to the Service's <paramref name="port"/> may go to: ready endpoints of its slices on the
    /// port with the service port's name, else of its Endpoints; the external name of an ExternalName Service.
    /// Never empty: throws <see cref="WebhookCallException"/> instead.
    /// </summary>
    internal static IReadOnlyList<(string Host, int Port)> Candidates(V1Service? service, string name, int port, IEnumerable<V1EndpointSlice> slices, V1Endpoints? endpoints)
    {
        if (service is null)
        {
            throw new WebhookCallException($"service \"{name}\" not found");
        }

        if (service.Spec?.Type == "ExternalName")
        {
            return [(service.Spec.ExternalName ?? throw new WebhookCallException($"service \"{name}\" has no externalName"), port)];
        }

        var servicePort = (service.Spec?.Ports ?? []).FirstOrDefault(p => p.Port == port)
            ?? throw new WebhookCallException($"service \"{name}\" has no port {port}");
        var portName = servicePort.Name ?? "";
        var result = new List<(string, int)>();
        foreach (var slice in slices.Where(s => s.AddressType is "IPv4" or "IPv6"))
        {
            if ((slice.Ports ?? []).FirstOrDefault(p => (p.Name ?? "") == portName)?.Port is not { } number)
            {
                continue;
            }

            result.AddRange((slice.Endpoints ?? []).Where(ep => ep.Conditions?.Ready != false).SelectMany(ep => ep.Addresses ?? []).Select(a => (a, number)));
        }

        if (result.Count == 0)
        {
            foreach (var subset in endpoints?.Subsets ?? [])
            {
                if ((subset.Ports ?? []).FirstOrDefault(p => (p.Name ?? "") == portName) is { } p)
                {
                    result.AddRange((subset.Addresses ?? []).Select(a => (a.Ip, p.Port)));
                }
            }
        }

        return result.Count > 0 ? result : throw new WebhookCallException($"no endpoints available for service \"{name}\"");
    }

    /// <summary>Splits a <c>NAME.NAMESPACE.svc</c> host; false for any other host.</summary>
    public static bool TryParseServiceHost(string host, out string ns, out string name)
    {
        var parts = host.Split('.');
        if (parts.Length == 3 && parts[2] == "svc" && !IPAddress.TryParse(host, out _))
        {
            (name, ns) = (parts[0], parts[1]);
            return true;
        }

        (ns, name) = ("", "");
        return false;
    }
}
