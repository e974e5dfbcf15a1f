using System.Globalization;
using System.Net.Http;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Skiff.Storage.Etcd;

/// <summary>
/// The <see cref="IStore"/> contract on an etcd v3 cluster, through the gRPC clients of dotnet-etcd. Writes are
/// transactions with create/mod revision compares, reads are ranges at a revision, and a watch is one gRPC watch
/// stream that reconnects from the last delivered revision + 1 when it drops.
/// </summary>
/// <remarks>
/// etcd's revision counter and compaction are global to the etcd cluster: with a <see cref="EtcdStoreOptions.KeyPrefix"/>
/// several clusters share one etcd, and their writes all advance the same revision. The compact revision is
/// recorded in the key <see cref="CompactRevisionKey"/> (outside every <c>/</c> prefix) before etcd compacts, because
/// etcd itself does not report it to a plain read.
/// </remarks>
public sealed partial class EtcdStore : IStore, IStoreHealth
{
    /// <summary>The etcd key that records the revision history has been compacted to (as decimal text).</summary>
    public const string CompactRevisionKey = "skiff/compact-revision";

    private static readonly ByteString CompactKey = ByteString.CopyFromUtf8(CompactRevisionKey);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(2);
    private const int ReadAttempts = 4;

    private readonly EtcdStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly Maintenance.MaintenanceClient _maintenance;
    private readonly string _endpoint;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _compaction;

    private EtcdStore(EtcdStoreOptions options, ILogger logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _endpoint = string.Join(",", options.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
        _channel = CreateChannel(options);
        _kv = new KV.KVClient(_channel);
        _watch = new Watch.WatchClient(_channel);
        _maintenance = new Maintenance.MaintenanceClient(_channel);
        _compaction = Task.CompletedTask;
        if (options.CompactionInterval > TimeSpan.Zero && options.CompactionInterval != Timeout.InfiniteTimeSpan)
        {
            _compaction = Task.Run(() => CompactPeriodicallyAsync(_stopping.Token));
        }
    }

    /// <summary>The etcd endpoints this store talks to (scheme, host and port, comma-separated), for messages.</summary>
    public string Endpoint => _endpoint;

    /// <summary>Connects to etcd and checks it answers; throws <see cref="EtcdStoreException"/> naming the endpoint when it does not.</summary>
    public static async Task<EtcdStore> OpenAsync(EtcdStoreOptions options, ILogger? logger, CancellationToken cancellationToken = default, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = new EtcdStore(options, logger ?? NullLogger.Instance, time ?? TimeProvider.System);
        try
        {
            var revision = await store.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
            Log.Opened(store._logger, store._endpoint, options.KeyPrefix, revision);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Checks etcd is reachable and has a leader (as kube-apiserver's <c>etcd</c> health check does); throws <see cref="EtcdStoreException"/> when not.</summary>
    public async ValueTask CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var status = await ReadAsync("status", o => _maintenance.StatusAsync(new StatusRequest(), o), cancellationToken).ConfigureAwait(false);
        if (status.Leader == 0)
        {
            throw new EtcdStoreException($"etcd {_endpoint} has no leader", null);
        }

        if (status.Errors.Count > 0)
        {
            throw new EtcdStoreException($"etcd {_endpoint} reports: {string.Join("; ", status.Errors)}", null);
        }
    }

    /// <summary>Streams an etcd snapshot (the whole etcd database, as <c>etcdctl snapshot save</c> does) into <paramref name="destination"/>.</summary>
    public async Task SaveSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        try
        {
            using var call = _maintenance.Snapshot(new SnapshotRequest(), cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var blob = call.ResponseStream.Current.Blob;
                await destination.WriteAsync(blob.Memory, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RpcException ex)
        {
            throw Failure("snapshot", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> GetCurrentRevisionAsync(CancellationToken cancellationToken = default)
    {
        var response = await ReadAsync("read revision", o => _kv.RangeAsync(new RangeRequest { Key = CompactKey, CountOnly = true }, o), cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetCompactRevisionAsync(CancellationToken cancellationToken = default)
    {
        var response = await ReadAsync($"read {CompactRevisionKey}", o => _kv.RangeAsync(new RangeRequest { Key = CompactKey }, o), cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? 0 : ParseCompactRevision(response.Kvs[0]);
    }

    /// <inheritdoc />
    public async ValueTask<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await ReadAsync($"get {key}", o => _kv.RangeAsync(new RangeRequest { Key = FullKey(key) }, o), cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : ToKeyValue(response.Kvs[0]);
    }

    /// <inheritdoc />
    public async ValueTask<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var (start, end) = PrefixRange(prefix);
        if (startAfterKey is not null)
        {
            var after = FullKey(startAfterKey + "\0");
            if (after.Span.SequenceCompareTo(start.Span) > 0)
            {
                start = after;
            }
        }

        var request = new RangeRequest { Key = start, RangeEnd = end, Revision = revision, Limit = limit };
        RangeResponse response;
        try
        {
            response = await ReadAsync($"range {prefix}", o => _kv.RangeAsync(request, o), cancellationToken, rethrowRpc: true).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.OutOfRange && ex.Status.Detail.Contains("compacted", StringComparison.Ordinal))
        {
            var compacted = await GetCompactRevisionAsync(cancellationToken).ConfigureAwait(false);
            throw new CompactedException(revision, Math.Max(compacted, revision + 1));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.OutOfRange && ex.Status.Detail.Contains("future", StringComparison.Ordinal))
        {
            throw new FutureRevisionException(revision, await GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (RpcException ex)
        {
            throw Failure($"range {prefix}", ex);
        }

        var items = new KeyValue[response.Kvs.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ToKeyValue(response.Kvs[i]);
        }

        return new RangeResult(items, revision == 0 ? response.Header.Revision : revision, response.More);
    }

    /// <inheritdoc />
    public async ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var (start, end) = PrefixRange(prefix);
        var response = await ReadAsync($"count {prefix}", o => _kv.RangeAsync(new RangeRequest { Key = start, RangeEnd = end, CountOnly = true }, o), cancellationToken).ConfigureAwait(false);
        return response.Count;
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        var full = FullKey(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = full, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = full, Value = ByteString.CopyFrom(value.Span) } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = full } });
        var response = await CallAsync($"create {key}", o => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        var revision = response.Header.Revision;
        return response.Succeeded
            ? new WriteResult(true, revision, new KeyValue(key, value.ToArray(), revision, revision))
            : new WriteResult(false, revision, FirstKv(response));
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default)
    {
        var full = FullKey(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = full, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 });
        txn.Compare.Add(new Compare { Key = full, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = full, Value = ByteString.CopyFrom(value.Span), PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = full } });
        var response = await CallAsync($"update {key}", o => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        var revision = response.Header.Revision;
        if (!response.Succeeded)
        {
            return new WriteResult(false, revision, FirstKv(response));
        }

        var previous = response.Responses[0].ResponsePut.PrevKv;
        return new WriteResult(true, revision, new KeyValue(key, value.ToArray(), previous?.CreateRevision ?? revision, revision));
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default)
    {
        var full = FullKey(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = full, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 });
        if (expectedModRevision != 0)
        {
            txn.Compare.Add(new Compare { Key = full, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision });
        }

        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = full, PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = full } });
        var response = await CallAsync($"delete {key}", o => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        var revision = response.Header.Revision;
        if (!response.Succeeded)
        {
            return new WriteResult(false, revision, FirstKv(response));
        }

        var deleted = response.Responses[0].ResponseDeleteRange.PrevKvs;
        return new WriteResult(true, revision, deleted.Count == 0 ? null : ToKeyValue(deleted[0]));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        var compacted = await GetCompactRevisionAsync(cancellationToken).ConfigureAwait(false);
        if (afterRevision < compacted)
        {
            throw new CompactedException(afterRevision, compacted);
        }

        var (start, end) = PrefixRange(prefix);
        var last = afterRevision;
        var failures = 0;
        AsyncDuplexStreamingCall<WatchRequest, WatchResponse>? call = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (call is null)
                {
                    call = await OpenWatchAsync(prefix, start, end, last + 1, cancellationToken).ConfigureAwait(false);
                    if (call is null)
                    {
                        await DelayBeforeReconnectAsync(++failures, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                var response = await NextAsync(call, prefix, last, cancellationToken).ConfigureAwait(false);
                if (response is null)
                {
                    call.Dispose();
                    call = null;
                    await DelayBeforeReconnectAsync(++failures, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                failures = 0;
                if (response.CompactRevision != 0)
                {
                    throw new CompactedException(last, response.CompactRevision);
                }

                if (response.Canceled)
                {
                    throw new EtcdStoreException($"etcd {_endpoint} cancelled the watch on prefix '{prefix}' after revision {last}: {response.CancelReason}", null);
                }

                if (response.Events.Count == 0)
                {
                    // A progress notification: every event up to the header's revision has been delivered, so a
                    // reconnect can resume from there (and is less likely to hit a compacted revision).
                    if (!response.Created && response.Header is { } header && header.Revision > last)
                    {
                        last = header.Revision;
                    }

                    continue;
                }

                foreach (var e in response.Events)
                {
                    if (e.Kv.ModRevision <= last)
                    {
                        continue;
                    }

                    last = e.Kv.ModRevision;
                    yield return ToEvent(e);
                }
            }
        }
        finally
        {
            call?.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        var current = await GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
        if (revision > current)
        {
            throw new FutureRevisionException(revision, current);
        }

        var existing = await ReadAsync($"read {CompactRevisionKey}", o => _kv.RangeAsync(new RangeRequest { Key = CompactKey }, o), cancellationToken).ConfigureAwait(false);
        var compacted = existing.Kvs.Count == 0 ? 0 : ParseCompactRevision(existing.Kvs[0]);
        if (revision <= compacted)
        {
            return;
        }

        // Record the compact revision first, only if nobody moved it meanwhile, so it never goes backwards and
        // watches refuse revisions that are about to disappear.
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = CompactKey,
            Target = Compare.Types.CompareTarget.Mod,
            Result = Compare.Types.CompareResult.Equal,
            ModRevision = existing.Kvs.Count == 0 ? 0 : existing.Kvs[0].ModRevision,
        });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = CompactKey, Value = ByteString.CopyFromUtf8(revision.ToString(CultureInfo.InvariantCulture)) } });
        var recorded = await CallAsync($"record compact revision {revision}", o => _kv.TxnAsync(txn, o), cancellationToken).ConfigureAwait(false);
        if (!recorded.Succeeded)
        {
            // Another server compacted at the same time; let the newer record win.
            await CompactAsync(revision, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, CallOptions(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.OutOfRange && ex.Status.Detail.Contains("compacted", StringComparison.Ordinal))
        {
            // etcd was already compacted at or past this revision (e.g. by etcdctl): nothing left to do.
        }
        catch (RpcException ex)
        {
            throw Failure($"compact to revision {revision}", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _compaction.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _channel.Dispose();
        _stopping.Dispose();
    }

    private async Task CompactPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.CompactionInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var target = await GetCurrentRevisionAsync(stoppingToken).ConfigureAwait(false) - _options.CompactionKeepRevisions;
                if (target > await GetCompactRevisionAsync(stoppingToken).ConfigureAwait(false))
                {
                    await CompactAsync(target, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is EtcdStoreException or FutureRevisionException)
            {
                Log.PeriodicCompactionFailed(_logger, _endpoint, ex);
            }
        }
    }

    private async Task<AsyncDuplexStreamingCall<WatchRequest, WatchResponse>?> OpenWatchAsync(string prefix, ByteString start, ByteString end, long startRevision, CancellationToken cancellationToken)
    {
        var call = _watch.Watch(cancellationToken: cancellationToken);
        try
        {
            var create = new WatchCreateRequest { Key = start, RangeEnd = end, StartRevision = startRevision, PrevKv = true, ProgressNotify = true };
            await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, cancellationToken).ConfigureAwait(false);
            return call;
        }
        catch (RpcException ex) when (IsTransient(ex))
        {
            Log.WatchReconnecting(_logger, _endpoint, prefix, startRevision, ex.Status.Detail);
            call.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.WatchReconnecting(_logger, _endpoint, prefix, startRevision, "the stream was reset");
            call.Dispose();
            return null;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    private async Task<WatchResponse?> NextAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, string prefix, long last, CancellationToken cancellationToken)
    {
        try
        {
            if (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return call.ResponseStream.Current;
            }

            Log.WatchReconnecting(_logger, _endpoint, prefix, last + 1, "the stream ended");
            return null;
        }
        catch (RpcException ex) when (IsTransient(ex))
        {
            Log.WatchReconnecting(_logger, _endpoint, prefix, last + 1, ex.Status.Detail);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A stream reset by the connection going away surfaces as a cancelled call, not one the caller cancelled.
            Log.WatchReconnecting(_logger, _endpoint, prefix, last + 1, "the stream was reset");
            return null;
        }
        catch (RpcException ex)
        {
            throw Failure($"watch {prefix} after revision {last}", ex);
        }
    }

    private Task DelayBeforeReconnectAsync(int failures, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(MaxReconnectDelay.TotalMilliseconds, 50 * Math.Pow(2, Math.Min(failures, 10))));
        return Task.Delay(delay, _time, cancellationToken);
    }

    private static bool IsTransient(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.Cancelled;

    /// <summary>
    /// A read (range, status) is idempotent, so a connection reset while it was in flight (the server restarting, a
    /// proxy or load balancer dropping connections) is retried a few times before it fails; writes are never retried
    /// because a reset write may have been applied.
    /// </summary>
    private async Task<T> ReadAsync<T>(string what, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken, bool rethrowRpc = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(CallOptions(cancellationToken)).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && attempt < ReadAttempts)
            {
                Log.ReadRetried(_logger, _endpoint, what, ex.Status.Detail, attempt + 1);
                await DelayBeforeReconnectAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (!rethrowRpc)
            {
                throw Failure(what, ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EtcdStoreException($"etcd {_endpoint}: {what} failed: the call was reset or timed out", ex);
            }
        }
    }

    private async Task<T> CallAsync<T>(string what, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(CallOptions(cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Failure(what, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EtcdStoreException($"etcd {_endpoint}: {what} failed: the call was reset or timed out", ex);
        }
    }

    private CallOptions CallOptions(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + _options.RequestTimeout, cancellationToken: cancellationToken);

    private EtcdStoreException Failure(string what, RpcException ex) =>
        new($"etcd {_endpoint}: {what} failed: {ex.StatusCode}: {ex.Status.Detail}", ex);

    private ByteString FullKey(string key) => ByteString.CopyFromUtf8(_options.KeyPrefix + key);

    /// <summary>The etcd [start, end) of every key starting with <paramref name="prefix"/>; store keys start with '/', so "" means "/".</summary>
    private (ByteString Start, ByteString End) PrefixRange(string prefix)
    {
        var start = Encoding.UTF8.GetBytes(_options.KeyPrefix + (prefix.Length == 0 ? "/" : prefix));
        var end = (byte[])start.Clone();
        var i = end.Length - 1;
        while (i >= 0 && end[i] == 0xff)
        {
            i--;
        }

        if (i < 0)
        {
            return (ByteString.CopyFrom(start), ByteString.CopyFrom(0));
        }

        end[i]++;
        return (ByteString.CopyFrom(start), ByteString.CopyFrom(end, 0, i + 1));
    }

    private KeyValue ToKeyValue(Mvccpb.KeyValue kv) =>
        new(StripPrefix(kv.Key), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision);

    private string StripPrefix(ByteString key)
    {
        var text = key.ToStringUtf8();
        return text[_options.KeyPrefix.Length..];
    }

    private KeyValue? FirstKv(TxnResponse response)
    {
        var kvs = response.Responses.Count == 0 ? null : response.Responses[0].ResponseRange?.Kvs;
        return kvs is null || kvs.Count == 0 ? null : ToKeyValue(kvs[0]);
    }

    private StoreEvent ToEvent(Mvccpb.Event e)
    {
        var previous = e.PrevKv is null || e.PrevKv.CreateRevision == 0 ? null : ToKeyValue(e.PrevKv);
        if (e.Type == Mvccpb.Event.Types.EventType.Delete)
        {
            // etcd's delete event carries only the key and the delete's revision; the contract wants the deleted value.
            var kv = previous is null
                ? new KeyValue(StripPrefix(e.Kv.Key), ReadOnlyMemory<byte>.Empty, 0, e.Kv.ModRevision)
                : previous with { ModRevision = e.Kv.ModRevision };
            return new StoreEvent(StoreEventType.Delete, kv, previous);
        }

        return new StoreEvent(StoreEventType.Put, ToKeyValue(e.Kv), previous);
    }

    private static long ParseCompactRevision(Mvccpb.KeyValue kv) =>
        long.TryParse(kv.Value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    /// <summary>
    /// One channel over every endpoint with gRPC's pick-first balancing: calls go to one connected etcd member and
    /// move to the next when it becomes unreachable (a call in flight on a dropped connection fails, nothing is retried).
    /// </summary>
    private static GrpcChannel CreateChannel(EtcdStoreOptions options)
    {
        var first = options.Endpoints[0];
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = CreateHandler(options, first),
            ThrowOperationCanceledOnCancellation = true,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        };
        if (options.Endpoints.Count == 1)
        {
            return GrpcChannel.ForAddress(first, channelOptions);
        }

        var addresses = options.Endpoints.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        channelOptions.ServiceProvider = services.BuildServiceProvider();
        channelOptions.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } };
        channelOptions.Credentials = first.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        return GrpcChannel.ForAddress("static:///etcd", channelOptions);
    }

    private static SocketsHttpHandler CreateHandler(EtcdStoreOptions options, Uri endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        };
        if (endpoint.Scheme != Uri.UriSchemeHttps)
        {
            return handler;
        }

        var ssl = new SslClientAuthenticationOptions();
        if (options.CertFile is not null)
        {
            ssl.ClientCertificates = [LoadClientCertificate(options.CertFile, options.KeyFile!)];
        }

        if (options.CaFile is not null)
        {
            var roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPemFile(options.CaFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new EtcdStoreException($"cannot read the etcd CA file {options.CaFile}: {ex.Message}", ex);
            }

            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateServer(certificate, errors, roots);
        }

        handler.SslOptions = ssl;
        return handler;
    }

    private static X509Certificate2 LoadClientCertificate(string certFile, string keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // SslStream on Linux wants a certificate whose key is not ephemeral.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new EtcdStoreException($"cannot load the etcd client certificate {certFile} with key {keyFile}: {ex.Message}", ex);
        }
    }

    private static bool ValidateServer(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
