using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>
/// The Service storage's allocation step (kube-apiserver's service REST beginCreate/beginUpdate/afterDelete):
/// cluster IPs for every type but ExternalName and headless, node ports for NodePort and LoadBalancer (unless
/// allocateLoadBalancerNodePorts is false), a health check node port for LoadBalancer with
/// externalTrafficPolicy Local. Values a write stops using are released only once it succeeded; values it
/// allocated are released if it failed.
/// </summary>
internal sealed class ServiceHooks(ServiceAllocator allocator) : IRegistryHooks<V1Service>
{
    private static readonly Skiff.Api.Resources.ResourceInfo Services =
        Skiff.Api.Resources.BuiltInResources.Resources.Single(r => r.Type == typeof(V1Service) && r.StorageGroupResource is null);

    public async ValueTask<RegistryTransaction> BeginCreateAsync(V1Service obj, bool dryRun, CancellationToken ct)
    {
        var txn = new Allocation(allocator, Owner(obj), dryRun);
        try
        {
            await AllocateAsync(obj, null, txn, ct).ConfigureAwait(false);
        }
        catch
        {
            await txn.RevertAsync().ConfigureAwait(false);
            throw;
        }

        return new RegistryTransaction(null, txn.RevertAsync);
    }

    public async ValueTask<RegistryTransaction> BeginUpdateAsync(V1Service obj, V1Service old, UpdateKind kind, bool dryRun, CancellationToken ct)
    {
        if (kind != UpdateKind.Main)
        {
            return RegistryTransaction.None;
        }

        var txn = new Allocation(allocator, Owner(obj), dryRun);
        try
        {
            await AllocateAsync(obj, old, txn, ct).ConfigureAwait(false);
        }
        catch
        {
            await txn.RevertAsync().ConfigureAwait(false);
            throw;
        }

        // What the old object held and the new one no longer does is released after the write.
        var kept = Held(obj);
        var dropped = Held(old).Where(v => !kept.Contains(v)).ToList();
        return new RegistryTransaction(async () =>
        {
            if (!dryRun)
            {
                await ReleaseAsync(dropped, Owner(old), CancellationToken.None).ConfigureAwait(false);
            }
        }, txn.RevertAsync);
    }

    public ValueTask AfterDeleteAsync(V1Service obj, CancellationToken ct) => ReleaseAsync(Held(obj), Owner(obj), ct);

    private async ValueTask AllocateAsync(V1Service svc, V1Service? old, Allocation txn, CancellationToken ct)
    {
        var spec = svc.Spec;
        var oldHeld = old is null ? [] : Held(old);
        var errors = new FieldErrors();

        if (spec.Type != "ExternalName" && spec.ClusterIP != "None")
        {
            var requested = spec.ClusterIPs is { Count: > 0 } ips ? ips[0] : null;
            if (spec.IpFamilies is { Count: > 0 } families && families[0] == "IPv6" || requested is not null && IpRules.IsIPv6(requested))
            {
                errors.Invalid("spec.ipFamilies[0]", "IPv6", "not configured on this cluster");
            }
            else if (requested is null || !oldHeld.Contains(("ip", requested)))
            {
                try
                {
                    var ip = await txn.IpAsync(requested, ct).ConfigureAwait(false);
                    spec.ClusterIP = ip;
                    spec.ClusterIPs = [ip];
                }
                catch (AllocationException e)
                {
                    errors.Invalid("spec.clusterIPs", GoValue.StringSlice(spec.ClusterIPs ?? []), e.Message);
                }
            }
        }

        var wantsNodePorts = spec.Type == "NodePort" || spec.Type == "LoadBalancer" && spec.AllocateLoadBalancerNodePorts != false;
        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            // Ports with the same number on different protocols share one node port, as Kubernetes allocates them.
            var byPortNumber = new Dictionary<int, int>();
            var inThisService = new HashSet<int>();
            for (var i = 0; i < (spec.Ports?.Count ?? 0); i++)
            {
                var port = spec.Ports![i];
                if (port.NodePort is > 0 and int given)
                {
                    if (inThisService.Contains(given) || oldHeld.Contains(("port", given.ToString())))
                    {
                        inThisService.Add(given);
                        byPortNumber.TryAdd(port.Port, given);
                        continue;
                    }

                    try
                    {
                        await txn.PortAsync(given, ct).ConfigureAwait(false);
                        inThisService.Add(given);
                        byPortNumber.TryAdd(port.Port, given);
                    }
                    catch (AllocationException e)
                    {
                        errors.Invalid($"spec.ports[{i}].nodePort", given, e.Message);
                    }
                }
                else if (wantsNodePorts)
                {
                    if (byPortNumber.TryGetValue(port.Port, out var shared))
                    {
                        port.NodePort = shared;
                        continue;
                    }

                    try
                    {
                        var p = await txn.PortAsync(null, ct).ConfigureAwait(false);
                        port.NodePort = p;
                        inThisService.Add(p);
                        byPortNumber[port.Port] = p;
                    }
                    catch (AllocationException e)
                    {
                        errors.Invalid($"spec.ports[{i}].nodePort", 0, e.Message);
                    }
                }
            }
        }

        if (spec.Type == "LoadBalancer" && spec.ExternalTrafficPolicy == "Local")
        {
            var given = spec.HealthCheckNodePort is > 0 ? spec.HealthCheckNodePort : null;
            if (given is null || !oldHeld.Contains(("port", given.Value.ToString())))
            {
                try
                {
                    spec.HealthCheckNodePort = await txn.PortAsync(given, ct).ConfigureAwait(false);
                }
                catch (AllocationException e)
                {
                    errors.Invalid("spec.healthCheckNodePort", given ?? 0, $"failed to allocate requested HealthCheck NodePort {given}: {e.Message}");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(Services, svc.Metadata.Name ?? "", errors);
        }
    }

    internal static HashSet<(string Kind, string Value)> Held(V1Service svc)
    {
        var held = new HashSet<(string, string)>();
        var spec = svc.Spec;
        if (spec is null)
        {
            return held;
        }

        if (spec.Type != "ExternalName")
        {
            foreach (var ip in spec.ClusterIPs ?? (string.IsNullOrEmpty(spec.ClusterIP) ? [] : [spec.ClusterIP]))
            {
                if (!string.IsNullOrEmpty(ip) && ip != "None")
                {
                    held.Add(("ip", ip));
                }
            }
        }

        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            foreach (var p in spec.Ports ?? [])
            {
                if (p.NodePort is > 0)
                {
                    held.Add(("port", p.NodePort.Value.ToString()));
                }
            }

            if (spec.HealthCheckNodePort is > 0)
            {
                held.Add(("port", spec.HealthCheckNodePort.Value.ToString()));
            }
        }

        return held;
    }

    private async ValueTask ReleaseAsync(IEnumerable<(string Kind, string Value)> values, string owner, CancellationToken ct)
    {
        foreach (var (kind, value) in values)
        {
            if (kind == "ip")
            {
                await allocator.ReleaseIpAsync(value, owner, ct).ConfigureAwait(false);
            }
            else
            {
                await allocator.ReleasePortAsync(int.Parse(value), owner, ct).ConfigureAwait(false);
            }
        }
    }

    // The owner names the incarnation (uid), so a Service deleted and recreated under its name never frees the new one's values.
    internal static string Owner(V1Service svc) => $"{svc.Metadata.NamespaceProperty}/{svc.Metadata.Name}/{svc.Metadata.Uid}";

    /// <summary>What one write allocated, so a failed write gives it back.</summary>
    private sealed class Allocation(ServiceAllocator allocator, string owner, bool dryRun)
    {
        private readonly List<string> _ips = [];
        private readonly List<int> _ports = [];

        public async ValueTask<string> IpAsync(string? requested, CancellationToken ct)
        {
            var ip = await allocator.AllocateIpAsync(requested, owner, dryRun, ct).ConfigureAwait(false);
            _ips.Add(ip);
            return ip;
        }

        public async ValueTask<int> PortAsync(int? requested, CancellationToken ct)
        {
            var port = await allocator.AllocatePortAsync(requested, owner, dryRun, ct).ConfigureAwait(false);
            _ports.Add(port);
            return port;
        }

        public async ValueTask RevertAsync()
        {
            if (dryRun)
            {
                return;
            }

            foreach (var ip in _ips)
            {
                await allocator.ReleaseIpAsync(ip, owner, CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var port in _ports)
            {
                await allocator.ReleasePortAsync(port, owner, CancellationToken.None).ConfigureAwait(false);
            }

            _ips.Clear();
            _ports.Clear();
        }
    }
}
