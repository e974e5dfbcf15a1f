using System.Net;
using System.Text;
using Skiff.Storage;

namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>
/// Hands out Service cluster IPs and node ports. Every allocation is one store key
/// (<c>/registry/ranges/serviceips/IP</c>, <c>/registry/ranges/servicenodeports/PORT</c>; under /registry/ so the
/// watch-cache dispatcher sees these writes advance the revision) created with a create-if-absent
/// write, so API servers sharing a store can never give one value twice — the same guarantee Kubernetes gets from
/// its IPAddress objects (and before them, the allocation bitmap written with compare-and-swap). The value records
/// the owning Service (<c>namespace/name</c>) so the repair loop can find leaks. As in kube-apiserver, dynamic
/// allocation prefers the upper part of each range and leaves the lower band to values users ask for by hand
/// (such as the cluster DNS address).
/// </summary>
internal sealed class ServiceAllocator
{
    public const string IpKeyPrefix = "/registry/ranges/serviceips/";
    public const string PortKeyPrefix = "/registry/ranges/servicenodeports/";

    private readonly IStore _store;
    private readonly uint _network;
    private readonly int _prefix;
    private readonly long _size;
    private readonly object _lock = new();
    private readonly HashSet<string> _known = [];
    private Task? _loaded;

    public ServiceAllocator(IStore store, ServiceNetworkOptions options)
    {
        _store = store;
        Options = options;
        var parts = options.ServiceCidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(parts[1], out _prefix) || _prefix is < 8 or > 30)
        {
            throw new ArgumentException($"service CIDR {options.ServiceCidr} must be an IPv4 CIDR with a prefix between /8 and /30");
        }

        _size = 1L << (32 - _prefix);
        _network = ToUInt(ip) & (uint)(0xFFFFFFFFu << (32 - _prefix));
        if (options.NodePortMin < 1 || options.NodePortMax > 65535 || options.NodePortMin > options.NodePortMax)
        {
            throw new ArgumentException($"node port range {options.NodePortMin}-{options.NodePortMax} is not a valid port range");
        }
    }

    public ServiceNetworkOptions Options { get; }

    /// <summary>The range in the text Kubernetes prints, e.g. <c>10.43.0.0/16</c>.</summary>
    public string IpRange => $"{FromUInt(_network)}/{_prefix}";

    public string PortRange => $"{Options.NodePortMin}-{Options.NodePortMax}";

    /// <summary>The first usable address of the range, which the <c>kubernetes</c> Service takes.</summary>
    public string FirstIp => FromUInt(_network + 1);

    public bool ContainsIp(string ip) =>
        IPAddress.TryParse(ip, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
        && ToUInt(a) - _network is var off && off >= 1 && off < _size - 1;

    /// <summary>Allocates <paramref name="requested"/> (or any free address when null) for <paramref name="owner"/>.</summary>
    /// <exception cref="AllocationException">the address is taken, outside the range, or the range is full.</exception>
    public async ValueTask<string> AllocateIpAsync(string? requested, string owner, bool dryRun, CancellationToken ct)
    {
        await LoadAsync(ct).ConfigureAwait(false);
        if (requested is not null)
        {
            if (!ContainsIp(requested))
            {
                throw new AllocationException($"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {IpRange}");
            }

            if (!await ClaimAsync(IpKeyPrefix + requested, owner, dryRun, ct).ConfigureAwait(false))
            {
                throw new AllocationException($"failed to allocate IP {requested}: provided IP is already allocated");
            }

            return requested;
        }

        // Usable offsets are 1 .. size-2 (no network or broadcast address); the lower band is for static requests.
        var usable = _size - 2;
        var band = Math.Min(Math.Max(16, usable / 16), 256);
        foreach (var (from, count) in new[] { (1 + band, usable - band), (1L, band) })
        {
            var start = count > 0 ? Random.Shared.NextInt64(count) : 0;
            for (long i = 0; i < count; i++)
            {
                var ip = FromUInt(_network + (uint)(from + (start + i) % count));
                if (IsKnown(IpKeyPrefix + ip))
                {
                    continue;
                }

                if (await ClaimAsync(IpKeyPrefix + ip, owner, dryRun, ct).ConfigureAwait(false))
                {
                    return ip;
                }
            }
        }

        throw new AllocationException("failed to allocate a serviceIP: range is full");
    }

    /// <summary>Allocates node port <paramref name="requested"/> (or any free one when null) for <paramref name="owner"/>.</summary>
    public async ValueTask<int> AllocatePortAsync(int? requested, string owner, bool dryRun, CancellationToken ct)
    {
        await LoadAsync(ct).ConfigureAwait(false);
        if (requested is { } port)
        {
            if (port < Options.NodePortMin || port > Options.NodePortMax)
            {
                throw new AllocationException($"provided port is not in the valid range. The range of valid ports is {PortRange}");
            }

            if (!await ClaimAsync(PortKeyPrefix + port, owner, dryRun, ct).ConfigureAwait(false))
            {
                throw new AllocationException("provided port is already allocated");
            }

            return port;
        }

        var size = Options.NodePortMax - Options.NodePortMin + 1;
        var band = Math.Min(Math.Max(16, size / 32), 128);
        foreach (var (from, count) in new[] { (Options.NodePortMin + band, size - band), (Options.NodePortMin, Math.Min(band, size)) })
        {
            var start = count > 0 ? Random.Shared.Next(count) : 0;
            for (var i = 0; i < count; i++)
            {
                var p = from + (start + i) % count;
                if (IsKnown(PortKeyPrefix + p))
                {
                    continue;
                }

                if (await ClaimAsync(PortKeyPrefix + p, owner, dryRun, ct).ConfigureAwait(false))
                {
                    return p;
                }
            }
        }

        throw new AllocationException("failed to allocate a nodePort: range is full");
    }

    public ValueTask ReleaseIpAsync(string ip, string owner, CancellationToken ct) => ReleaseAsync(IpKeyPrefix + ip, owner, ct);

    public ValueTask ReleasePortAsync(int port, string owner, CancellationToken ct) => ReleaseAsync(PortKeyPrefix + port, owner, ct);

    /// <summary>Every allocation key with its owner and mod revision (for the repair loop).</summary>
    public async ValueTask<IReadOnlyList<(string Key, string Owner, long Revision)>> ListAsync(string prefix, CancellationToken ct)
    {
        var result = new List<(string, string, long)>();
        string? after = null;
        while (true)
        {
            var page = await _store.RangeAsync(prefix, 0, after, 1000, ct).ConfigureAwait(false);
            foreach (var kv in page.Items)
            {
                result.Add((kv.Key, Encoding.UTF8.GetString(kv.Value.Span), kv.ModRevision));
            }

            if (!page.More || page.Items.Count == 0)
            {
                return result;
            }

            after = page.Items[^1].Key;
        }
    }

    /// <summary>Records an allocation the store lacks (a Service restored from a backup, or one written before allocation keys).</summary>
    public async ValueTask<bool> EnsureAsync(string key, string owner, CancellationToken ct) => await ClaimAsync(key, owner, false, ct).ConfigureAwait(false);

    /// <summary>Removes a leaked allocation if it is still exactly the one the repair loop saw.</summary>
    public async ValueTask RemoveLeakAsync(string key, long revision, CancellationToken ct)
    {
        var del = await _store.DeleteAsync(key, revision, ct).ConfigureAwait(false);
        if (del.Succeeded)
        {
            lock (_lock)
            {
                _known.Remove(key);
            }
        }
    }

    private async ValueTask<bool> ClaimAsync(string key, string owner, bool dryRun, CancellationToken ct)
    {
        if (dryRun)
        {
            var current = await _store.GetAsync(key, ct).ConfigureAwait(false);
            return current is null || Encoding.UTF8.GetString(current.Value.Span) == owner;
        }

        var result = await _store.CreateAsync(key, Encoding.UTF8.GetBytes(owner), ct).ConfigureAwait(false);
        lock (_lock)
        {
            _known.Add(key);
        }

        // A key the same Service already holds (a retried request) counts as allocated to it.
        return result.Succeeded || (result.Current is { } cur && Encoding.UTF8.GetString(cur.Value.Span) == owner);
    }

    private async ValueTask ReleaseAsync(string key, string owner, CancellationToken ct)
    {
        var current = await _store.GetAsync(key, ct).ConfigureAwait(false);
        if (current is not null && Encoding.UTF8.GetString(current.Value.Span) == owner)
        {
            await _store.DeleteAsync(key, current.ModRevision, ct).ConfigureAwait(false);
        }

        lock (_lock)
        {
            _known.Remove(key);
        }
    }

    private bool IsKnown(string key)
    {
        lock (_lock)
        {
            return _known.Contains(key);
        }
    }

    private Task LoadAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_loaded is null || _loaded.IsFaulted || _loaded.IsCanceled)
            {
                _loaded = LoadCoreAsync(ct);
            }

            return _loaded;
        }
    }

    // The known set only steers the search; the create-if-absent write is what decides.
    private async Task LoadCoreAsync(CancellationToken ct)
    {
        foreach (var prefix in new[] { IpKeyPrefix, PortKeyPrefix })
        {
            foreach (var (key, _, _) in await ListAsync(prefix, ct).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    _known.Add(key);
                }
            }
        }
    }

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    private static string FromUInt(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
}
