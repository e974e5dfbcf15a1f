using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.LeaderElection;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease (client-go's tools/leaderelection with the LeaseLock).
/// A candidate takes the lease when it is absent, released or not renewed for leaseDuration as measured by
/// this candidate's own clock since it last saw the record change (so clock skew between servers does not
/// matter); the leader renews every retry period and steps down if it cannot renew within the renew deadline.
/// </summary>
public sealed partial class LeaderElector(IResourceClient<V1Lease> leases, LeaderElectionOptions options, TimeProvider timeProvider, ILogger logger)
{
    private V1LeaseSpec? _observedSpec;
    private string? _observedResourceVersion;
    private DateTimeOffset _observedTime;

    /// <summary>Whether this candidate holds the lease as of its last successful acquire or renew.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>
    /// Campaigns until cancelled; while leading runs <paramref name="onStartedLeading"/> with a token that is
    /// cancelled when leadership is lost. After a loss it campaigns again.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            Log.Acquired(logger, options.Identity, options.LeaseNamespace, options.LeaseName);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var work = Task.Run(() => onStartedLeading(leading.Token), CancellationToken.None);
            await RenewLoopAsync(work, cancellationToken).ConfigureAwait(false);
            IsLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            if (cancellationToken.IsCancellationRequested)
            {
                if (options.ReleaseOnCancel)
                {
                    await ReleaseAsync().ConfigureAwait(false);
                }

                return;
            }

            Log.Lost(logger, options.Identity);
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            try
            {
                await Task.Delay(options.RetryPeriod, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private async Task RenewLoopAsync(Task work, CancellationToken cancellationToken)
    {
        var lastRenew = timeProvider.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            try
            {
                await Task.Delay(options.RetryPeriod, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                lastRenew = timeProvider.GetUtcNow();
            }
            else if (!IsLeader || timeProvider.GetUtcNow() - lastRenew >= options.RenewDeadline)
            {
                return;
            }
        }
    }

    /// <summary>One attempt to take or keep the lease; false when another holder's lease is still valid or the write lost a race.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        V1Lease lease;
        try
        {
            lease = await leases.GetAsync(options.LeaseNamespace, options.LeaseName, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            var created = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = options.LeaseName, NamespaceProperty = options.LeaseNamespace },
                Spec = NewSpec(now, 0, now),
            };
            try
            {
                var result = await leases.CreateAsync(created, cancellationToken).ConfigureAwait(false);
                Observe(result, now);
                IsLeader = true;
                return true;
            }
            catch (ApiException createError) when (createError.IsAlreadyExists || createError.IsConflict)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            Log.GetFailed(logger, ex.Message);
            return false;
        }

        var spec = lease.Spec ?? new V1LeaseSpec();
        if (lease.Metadata.ResourceVersion != _observedResourceVersion)
        {
            // Expiry is judged by our own clock from the moment we saw the record change, as client-go does.
            Observe(lease, now);
        }

        var holder = spec.HolderIdentity;
        var iHold = holder == options.Identity;
        var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? (int)options.LeaseDuration.TotalSeconds);
        if (!iHold && !string.IsNullOrEmpty(holder) && _observedTime + duration > now)
        {
            IsLeader = false;
            return false;
        }

        var transitions = spec.LeaseTransitions ?? 0;
        lease.Spec = iHold
            ? NewSpec(spec.AcquireTime is { } acquired ? new DateTimeOffset(DateTime.SpecifyKind(acquired, DateTimeKind.Utc)) : now, transitions, now)
            : NewSpec(now, transitions + 1, now);
        try
        {
            var updated = await leases.UpdateAsync(lease, cancellationToken).ConfigureAwait(false);
            Observe(updated, now);
            IsLeader = true;
            return true;
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            Log.UpdateFailed(logger, ex.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.RenewDeadline, timeProvider);
            var lease = await leases.GetAsync(options.LeaseNamespace, options.LeaseName, timeout.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != options.Identity)
            {
                return;
            }

            // client-go's release: an empty holder and a one-second lease that anyone may take at once.
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            await leases.UpdateAsync(lease, timeout.Token).ConfigureAwait(false);
            Log.Released(logger, options.Identity);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException or OperationCanceledException)
        {
            Log.UpdateFailed(logger, ex.Message);
        }
    }

    private V1LeaseSpec NewSpec(DateTimeOffset acquired, int transitions, DateTimeOffset now) => new()
    {
        HolderIdentity = options.Identity,
        LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds,
        AcquireTime = acquired.UtcDateTime,
        RenewTime = now.UtcDateTime,
        LeaseTransitions = transitions,
    };

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        _observedSpec = lease.Spec;
        _observedResourceVersion = lease.Metadata.ResourceVersion;
        _observedTime = now;
    }

    /// <summary>The holder last seen in the lease, for logs and tests.</summary>
    public string? ObservedHolder => _observedSpec?.HolderIdentity;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "LeaseAcquired", Level = LogLevel.Information, Message = "{Identity} acquired lease {Namespace}/{Name}")]
        public static partial void Acquired(ILogger logger, string identity, string @namespace, string name);

        [LoggerMessage(EventId = 2, EventName = "LeaseLost", Level = LogLevel.Warning, Message = "{Identity} lost the lease; campaigning again")]
        public static partial void Lost(ILogger logger, string identity);

        [LoggerMessage(EventId = 3, EventName = "LeaseReleased", Level = LogLevel.Information, Message = "{Identity} released the lease")]
        public static partial void Released(ILogger logger, string identity);

        [LoggerMessage(EventId = 4, EventName = "LeaseGetFailed", Level = LogLevel.Debug, Message = "reading the lease failed: {Error}")]
        public static partial void GetFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 5, EventName = "LeaseUpdateFailed", Level = LogLevel.Debug, Message = "writing the lease failed: {Error}")]
        public static partial void UpdateFailed(ILogger logger, string error);
    }
}
