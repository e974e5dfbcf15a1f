using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Reconcilers;

/// <summary>
/// Keeps this API server's identity Lease (kube-system/apiserver-HASH, label
/// <c>apiserver.kubernetes.io/identity=kube-apiserver</c>, renewed every 10 s, leaseDurationSeconds 3600, as
/// kube-apiserver's identity controller does) and reconciles the <c>kubernetes</c> Service's Endpoints and
/// EndpointSlice to the advertise addresses of every server whose lease was renewed within the last 15 s (kube-apiserver's
/// "lease" endpoint reconciler). A server that stops cleanly deletes its lease and takes itself out at once; a killed
/// one drops out when its lease goes stale. Leases not renewed for their full duration are deleted (the identity
/// lease garbage collector).
/// </summary>
internal sealed partial class ApiServerLeaseReconciler(ResourceRegistry registry, TimeProvider timeProvider, ILogger<ApiServerLeaseReconciler> logger) : BackgroundService
{
    /// <summary>The namespace of identity leases.</summary>
    public const string LeaseNamespace = "kube-system";

    /// <summary>leaseDurationSeconds of an identity lease, as kube-apiserver sets it.</summary>
    public const int LeaseDurationSeconds = 3600;

    private readonly TaskCompletionSource<Identity> _identity = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Where this server is reached; fixed once Kestrel has bound its port.</summary>
    private sealed record Identity(string LeaseName, string HolderIdentity, string HostName, IPEndPoint? Endpoint);

    /// <summary>
    /// Writes this server's lease and the endpoints once (start-up, before the server reports ready) and lets the
    /// periodic loop start. <paramref name="advertiseAddress"/> null: the server is live but publishes no endpoint.
    /// </summary>
    public async Task StartAsync(IPAddress? advertiseAddress, int port, CancellationToken ct)
    {
        var hostName = HostName();
        var endpoint = advertiseAddress is null ? null : new IPEndPoint(advertiseAddress, port);

        // kube-apiserver names the lease after a hash of the host name; the endpoint is hashed in too, so two servers
        // on one machine (tests, or one per network namespace) hold separate leases.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{hostName}|{endpoint}")))[..26];
        var name = "apiserver-" + hash;
        var identity = new Identity(name, $"{name}_{Guid.NewGuid()}", hostName, endpoint);
        await ReconcileAsync(identity, ct).ConfigureAwait(false);
        _identity.TrySetResult(identity);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Identity identity;
        try
        {
            identity = await _identity.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using var timer = new PeriodicTimer(ApiServerEndpoints.Interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await ReconcileAsync(identity, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.ReconcileFailed(logger, identity.LeaseName, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        // A clean stop: leave at once rather than after the TTL, so clients stop being sent here.
        using var leaving = new CancellationTokenSource(TimeSpan.FromSeconds(5), timeProvider);
        try
        {
            var leases = registry.Store<V1Lease>();
            if (leases.Cache.Get(leases.Key(LeaseNamespace, identity.LeaseName)) is not null)
            {
                await leases.DeleteAsync(LeaseNamespace, identity.LeaseName, null, false, leaving.Token).ConfigureAwait(false);
            }

            await WriteEndpointsAsync(Live(excluding: identity.LeaseName), leaving.Token).ConfigureAwait(false);
            Log.Left(logger, identity.LeaseName);
        }
        catch (Exception e)
        {
            Log.LeaveFailed(logger, identity.LeaseName, e);
        }
    }

    private async Task ReconcileAsync(Identity identity, CancellationToken ct)
    {
        await RenewAsync(identity, ct).ConfigureAwait(false);
        await CollectExpiredAsync(ct).ConfigureAwait(false);
        await WriteEndpointsAsync(Live(excluding: null), ct).ConfigureAwait(false);
    }

    private async Task RenewAsync(Identity identity, CancellationToken ct)
    {
        var leases = registry.Store<V1Lease>();
        var now = timeProvider.GetUtcNow().UtcDateTime;
        if (leases.Cache.Get(leases.Key(LeaseNamespace, identity.LeaseName)) is null)
        {
            try
            {
                await leases.CreateAsync(LeaseNamespace, NewLease(identity, now), false, ct).ConfigureAwait(false);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Created meanwhile (a restart racing its own old lease): renew it below.
            }
        }

        await leases.UpdateAsync(LeaseNamespace, identity.LeaseName, UpdateKind.Main, current =>
        {
            var lease = current ?? NewLease(identity, now);
            lease.Metadata.Labels = NewLease(identity, now).Metadata.Labels;
            lease.Metadata.Annotations ??= new Dictionary<string, string>();
            if (identity.Endpoint is null)
            {
                lease.Metadata.Annotations.Remove(ApiServerEndpoints.EndpointAnnotation);
            }
            else
            {
                lease.Metadata.Annotations[ApiServerEndpoints.EndpointAnnotation] = identity.Endpoint.ToString();
            }

            lease.Spec ??= new V1LeaseSpec();
            lease.Spec.HolderIdentity = identity.HolderIdentity;
            lease.Spec.LeaseDurationSeconds = LeaseDurationSeconds;
            lease.Spec.RenewTime = now;
            return lease;
        }, false, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes identity leases not renewed for their whole duration (servers gone for good).</summary>
    private async Task CollectExpiredAsync(CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        var leases = registry.Store<V1Lease>();
        foreach (var lease in IdentityLeases())
        {
            if (lease.Spec?.RenewTime is not { } renewed
                || new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)) + TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? LeaseDurationSeconds) >= now)
            {
                continue;
            }

            try
            {
                await leases.DeleteAsync(LeaseNamespace, lease.Metadata.Name, null, false, ct).ConfigureAwait(false);
                Log.CollectedExpired(logger, lease.Metadata.Name);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Another server collected it first.
            }
        }
    }

    private IReadOnlyList<IPEndPoint> Live(string? excluding) =>
        ApiServerEndpoints.Live(IdentityLeases().Where(l => l.Metadata.Name != excluding), timeProvider.GetUtcNow());

    private IEnumerable<V1Lease> IdentityLeases()
    {
        var leases = registry.Store<V1Lease>();
        return leases.Cache.Snapshot().Items.Values
            .Where(o => o.Namespace == LeaseNamespace && o.Labels is { } labels
                && labels.TryGetValue(ApiServerEndpoints.IdentityLabel, out var value) && value == ApiServerEndpoints.IdentityValue)
            .Select(leases.Decode)
            .ToList();
    }

    private async Task WriteEndpointsAsync(IReadOnlyList<IPEndPoint> live, CancellationToken ct)
    {
        var endpoints = registry.Store<V1Endpoints>();
        var wantedEndpoints = ApiServerEndpoints.Endpoints(live);
        var current = endpoints.Cache.Get(endpoints.Key("default", "kubernetes"));
        if (current is null || !ApiServerEndpoints.SameAddresses(endpoints.Decode(current), wantedEndpoints))
        {
            await UpsertAsync(wantedEndpoints, ct).ConfigureAwait(false);
            Log.EndpointsWritten(logger, live.Count == 0 ? "none" : string.Join(", ", live));
        }

        var slices = registry.Store<V1EndpointSlice>();
        var wantedSlice = ApiServerEndpoints.Slice(live);
        var currentSlice = slices.Cache.Get(slices.Key("default", "kubernetes"));
        if (currentSlice is null || !ApiServerEndpoints.SameAddresses(slices.Decode(currentSlice), wantedSlice))
        {
            await UpsertAsync(wantedSlice, ct).ConfigureAwait(false);
        }
    }

    private async Task UpsertAsync<T>(T obj, CancellationToken ct)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var store = registry.Store<T>();
        var ns = obj.Metadata.NamespaceProperty;
        var name = obj.Metadata.Name;
        if (store.Cache.Get(store.Key(ns, name)) is null)
        {
            try
            {
                await store.CreateAsync(ns, obj, false, ct).ConfigureAwait(false);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Another server created it first: bring it up to date below.
            }
        }

        var json = ApiJson.Serialize(obj);
        await store.UpdateAsync(ns, name, UpdateKind.Main, _ => ApiJson.Deserialize<T>(json), false, ct).ConfigureAwait(false);
    }

    private static V1Lease NewLease(Identity identity, DateTime now) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = identity.LeaseName,
            NamespaceProperty = LeaseNamespace,
            Labels = new Dictionary<string, string>
            {
                [ApiServerEndpoints.IdentityLabel] = ApiServerEndpoints.IdentityValue,
                ["kubernetes.io/hostname"] = identity.HostName,
            },
            Annotations = identity.Endpoint is null ? null : new Dictionary<string, string> { [ApiServerEndpoints.EndpointAnnotation] = identity.Endpoint.ToString() },
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = identity.HolderIdentity,
            LeaseDurationSeconds = LeaseDurationSeconds,
            AcquireTime = now,
            RenewTime = now,
        },
    };

    private static string HostName()
    {
        try
        {
            var name = System.Net.Dns.GetHostName().ToLowerInvariant();
            // A label value: at most 63 characters of [a-z0-9._-].
            var cleaned = new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').ToArray()).Trim('.', '-', '_');
            return cleaned.Length > 63 ? cleaned[..63].TrimEnd('.', '-', '_') : cleaned;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return string.Empty;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Service default/kubernetes endpoints are now {Endpoints} (API servers with a live identity lease)", EventName = "EndpointsWritten")]
        public static partial void EndpointsWritten(ILogger logger, string endpoints);

        [LoggerMessage(2, LogLevel.Warning, "Renewing identity lease kube-system/{Lease} or reconciling Service default/kubernetes endpoints failed; retrying in 10 s", EventName = "ReconcileFailed")]
        public static partial void ReconcileFailed(ILogger logger, string lease, Exception ex);

        [LoggerMessage(3, LogLevel.Information, "Deleted identity lease kube-system/{Lease} and left the endpoints of Service default/kubernetes", EventName = "Left")]
        public static partial void Left(ILogger logger, string lease);

        [LoggerMessage(4, LogLevel.Warning, "Could not delete identity lease kube-system/{Lease} at stop; it drops out of the endpoints when it goes stale", EventName = "LeaveFailed")]
        public static partial void LeaveFailed(ILogger logger, string lease, Exception ex);

        [LoggerMessage(5, LogLevel.Information, "Deleted expired identity lease kube-system/{Lease}", EventName = "CollectedExpired")]
        public static partial void CollectedExpired(ILogger logger, string lease);
    }
}
