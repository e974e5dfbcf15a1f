using k8s.Models;
using Microsoft.Extensions.Hosting;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>
/// Keeps allocation keys and Services in agreement, like kube-apiserver's cluster IP and node port repair
/// controllers: a Service whose value has no key (restored from a backup, or written before allocations were
/// recorded) gets its key back; a key no Service holds is removed once it is seen leaked on two passes in a row
/// with the same revision (so an allocation whose Service is still being written is never taken away).
/// </summary>
internal sealed partial class ServiceAllocationRepair(CacheDispatcher dispatcher, ResourceRegistry registry, ServiceAllocator allocator,
    TimeProvider time, ILogger<ServiceAllocationRepair> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(3);
    private readonly Dictionary<string, long> _suspects = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await dispatcher.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RepairOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.RepairFailed(logger, e);
                }

                await Task.Delay(Period, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: re-record missing allocations, then drop leaks confirmed by the previous pass.</summary>
    internal async Task RepairOnceAsync(CancellationToken ct)
    {
        var wanted = new Dictionary<string, string>();
        foreach (var cached in registry.Store<V1Service>().Cache.Snapshot().Items.Values)
        {
            var svc = ApiJson.Deserialize<V1Service>(cached.Json);
            var owner = ServiceHooks.Owner(svc);
            foreach (var (kind, value) in ServiceHooks.Held(svc))
            {
                wanted[(kind == "ip" ? ServiceAllocator.IpKeyPrefix : ServiceAllocator.PortKeyPrefix) + value] = owner;
            }
        }

        var present = new Dictionary<string, (string Owner, long Revision)>();
        foreach (var prefix in new[] { ServiceAllocator.IpKeyPrefix, ServiceAllocator.PortKeyPrefix })
        {
            foreach (var (key, owner, revision) in await allocator.ListAsync(prefix, ct).ConfigureAwait(false))
            {
                present[key] = (owner, revision);
            }
        }

        foreach (var (key, owner) in wanted)
        {
            if (!present.ContainsKey(key) && await allocator.EnsureAsync(key, owner, ct).ConfigureAwait(false))
            {
                Log.Restored(logger, key, owner);
            }
        }

        var seen = new HashSet<string>();
        foreach (var (key, (owner, revision)) in present)
        {
            if (wanted.TryGetValue(key, out var holder) && holder == owner)
            {
                continue;
            }

            seen.Add(key);
            if (_suspects.TryGetValue(key, out var before) && before == revision)
            {
                await allocator.RemoveLeakAsync(key, revision, ct).ConfigureAwait(false);
                Log.Released(logger, key, owner);
                seen.Remove(key);
            }
            else
            {
                _suspects[key] = revision;
            }
        }

        foreach (var key in _suspects.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _suspects.Remove(key);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Service allocation repair failed", EventName = "RepairFailed")]
        public static partial void RepairFailed(ILogger logger, Exception e);

        [LoggerMessage(2, LogLevel.Information, "Recorded allocation {Key} held by Service {Owner} that had no allocation record", EventName = "AllocationRestored")]
        public static partial void Restored(ILogger logger, string key, string owner);

        [LoggerMessage(3, LogLevel.Information, "Released leaked allocation {Key} (recorded for {Owner}, held by no Service)", EventName = "AllocationReleased")]
        public static partial void Released(ILogger logger, string key, string owner);
    }
}
