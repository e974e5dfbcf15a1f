using Microsoft.Extensions.Logging;

namespace Skiff.Client.Api;

/// <summary>
/// A service account token that is requested on first use and requested again once 80 % of its lifetime has passed, as
/// the kubelet's token manager and kube-controller-manager's client builder keep theirs. Thread-safe: concurrent callers
/// share one request. When a refresh fails the current token is used while it is still valid, and the refresh is tried
/// again after <see cref="RetryPeriod"/>; with no valid token left, the failure reaches the caller.
/// </summary>
public sealed partial class ServiceAccountTokenSource(string account, Func<CancellationToken, Task<IssuedToken>> issue, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>How long to keep using a still-valid token after a refresh failed before trying again.</summary>
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IssuedToken? _current;

    /// <summary>When to ask for a new token, in UTC ticks; read and written atomically, so the fast path and <see cref="Invalidate"/> need no lock.</summary>
    private long _refreshAtTicks;

    /// <summary>The account's name as <c>namespace/name</c>, for logs.</summary>
    public string Account { get; } = account;

    /// <summary>The token to send now.</summary>
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && timeProvider.GetUtcNow().UtcTicks < Interlocked.Read(ref _refreshAtTicks))
        {
            return fresh.Token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = timeProvider.GetUtcNow();
            var current = _current;
            if (current is not null && now.UtcTicks < Interlocked.Read(ref _refreshAtTicks))
            {
                return current.Token;
            }

            try
            {
                var issued = await issue(cancellationToken).ConfigureAwait(false);
                _current = issued;
                Interlocked.Exchange(ref _refreshAtTicks, (now + (issued.ExpiresAt - now) * 0.8).UtcTicks);
                return issued.Token;
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException && current is not null && now < current.ExpiresAt)
            {
                Log.RefreshFailed(logger, Account, current.ExpiresAt, ex.Message);
                Interlocked.Exchange(ref _refreshAtTicks, (now + RetryPeriod).UtcTicks);
                return current.Token;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Forgets <paramref name="token"/> once the API server has refused it (401: the account was deleted and made again,
    /// say), so the next request asks for a new one instead of waiting for the refresh time.
    /// </summary>
    public void Invalidate(string token)
    {
        if (_current?.Token == token)
        {
            Interlocked.Exchange(ref _refreshAtTicks, 0);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "TokenRefreshFailed", Level = LogLevel.Warning,
            Message = "cannot refresh the token of service account {Account}; using the current one (valid until {ExpiresAt:O}): {Error}")]
        public static partial void RefreshFailed(ILogger logger, string account, DateTimeOffset expiresAt, string error);
    }
}
