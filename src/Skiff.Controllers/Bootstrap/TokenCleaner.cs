using System.Globalization;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Bootstrap;

/// <summary>
/// kube-controller-manager's tokencleaner (pkg/controller/bootstrap/tokencleaner.go): deletes bootstrap token Secrets
/// in kube-system once their <c>expiration</c> has passed, requeueing each one for the moment it expires. The
/// deletion carries the secret's uid and resourceVersion as preconditions, so a token renewed in between stays.
/// Keys are <c>kube-system/NAME</c>.
/// </summary>
internal sealed partial class TokenCleaner : IController
{
    public const string TokenNamespace = "kube-system";
    public const string SecretType = "bootstrap.kubernetes.io/token";

    private readonly IInformer<V1Secret> _secrets;
    private readonly IResourceClient<V1Secret> _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TokenCleaner(IInformer<V1Secret> secrets, IResourceClient<V1Secret> client, TimeProvider time, ILogger logger)
    {
        _secrets = secrets;
        _client = client;
        _time = time;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(time), time);
        Sync = SyncAsync;
        secrets.AddEventHandler(new ResourceEventHandler<V1Secret>(Enqueue, (_, s) => Enqueue(s)));
    }

    public string Name => "tokencleaner";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _secrets.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The token's expiry; null when it has none. An unparseable expiration counts as already expired.</summary>
    internal static DateTimeOffset? Expiration(V1Secret secret)
    {
        if (secret.Data is null || !secret.Data.TryGetValue("expiration", out var bytes) || bytes is not { Length: > 0 })
        {
            return null;
        }

        return DateTimeOffset.TryParse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
            ? when
            : DateTimeOffset.MinValue;
    }

    private void Enqueue(V1Secret secret)
    {
        if (secret.Metadata.NamespaceProperty == TokenNamespace && secret.Type == SecretType)
        {
            Queue.Add(ObjectKey.Of(secret));
        }
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var secret = _secrets.Indexer.Get(key);
        if (secret is null || secret.Type != SecretType || secret.Metadata.DeletionTimestamp is not null || Expiration(secret) is not { } expiration)
        {
            return;
        }

        var left = expiration - _time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            throw new RequeueAfterException(left);
        }

        try
        {
            await _client.DeleteAsync(TokenNamespace, secret.Metadata.Name, new V1DeleteOptions
            {
                Preconditions = new V1Preconditions { Uid = secret.Metadata.Uid, ResourceVersion = secret.Metadata.ResourceVersion },
            }, cancellationToken).ConfigureAwait(false);
            Log.Deleted(_logger, key);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "BootstrapTokenExpired", Level = LogLevel.Information, Message = "deleted expired bootstrap token secret {Key}")]
        public static partial void Deleted(ILogger logger, string key);
    }
}
