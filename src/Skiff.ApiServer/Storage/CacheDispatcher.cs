using Microsoft.Extensions.Hosting;
using Skiff.Storage;

namespace Skiff.ApiServer.Storage;

/// <summary>
/// Feeds every <see cref="WatchCache"/> from one store watch on <c>/registry/</c>. One stream for all resources
/// means the dispatcher's revision advances on every write, so any cache can tell when it is as fresh as the
/// store (consistent reads from cache, as kube-apiserver does with etcd progress notifications).
/// </summary>
internal sealed partial class CacheDispatcher : BackgroundService
{
    private const string RootPrefix = "/registry/";
    private readonly IStore _store;
    private readonly ILogger<CacheDispatcher> _logger;
    private readonly Dictionary<string, WatchCache> _caches = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _waitLock = new();
    private readonly List<(long Revision, TaskCompletionSource Tcs)> _waiters = [];
    private long _progress;

    private readonly int _ringCapacity;

    public CacheDispatcher(IStore store, ApiServerOptions options, ILogger<CacheDispatcher> logger)
    {
        _store = store;
        _ringCapacity = options.WatchCacheEvents;
        _logger = logger;
    }

    /// <summary>Completes when every cache holds the store's state.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The newest revision applied to all caches.</summary>
    public long Progress => Volatile.Read(ref _progress);

    /// <summary>Creates (or returns) the cache of a storage key prefix. Must be called before the dispatcher starts.</summary>
    public WatchCache GetOrAdd(string prefix, IObjectDecoder decoder)
    {
        if (!_caches.TryGetValue(prefix, out var cache))
        {
            cache = new WatchCache(prefix, decoder, () => Progress, _ringCapacity);
            _caches[prefix] = cache;
        }

        return cache;
    }

    /// <summary>
    /// Waits until the caches reflect the store's current revision (the guarantee a LIST or GET without
    /// resourceVersion needs). Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async ValueTask WaitFreshAsync(TimeSpan timeout, CancellationToken ct)
    {
        var current = await _store.GetCurrentRevisionAsync(ct).ConfigureAwait(false);
        await WaitForRevisionAsync(current, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Waits until the caches reflect <paramref name="revision"/>.</summary>
    public async ValueTask WaitForRevisionAsync(long revision, TimeSpan timeout, CancellationToken ct)
    {
        if (Progress >= revision)
        {
            return;
        }

        TaskCompletionSource tcs;
        lock (_waitLock)
        {
            if (Progress >= revision)
            {
                return;
            }

            tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((revision, tcs));
        }

        try
        {
            await tcs.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        finally
        {
            lock (_waitLock)
            {
                _waiters.RemoveAll(w => w.Tcs == tcs);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var revision = await LoadAllAsync(stoppingToken).ConfigureAwait(false);
                _ready.TrySetResult();
                await foreach (var e in _store.WatchAsync(RootPrefix, revision, stoppingToken).ConfigureAwait(false))
                {
                    if (CacheFor(e.Kv.Key) is { } cache)
                    {
                        try
                        {
                            cache.Apply(e);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            // A value that cannot be decoded must not stop every other resource's cache.
                            Log.UndecodableObject(_logger, e.Kv.Key, e.Revision, ex);
                        }
                    }

                    Advance(e.Revision);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.WatchFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<long> LoadAllAsync(CancellationToken ct)
    {
        var revision = await _store.GetCurrentRevisionAsync(ct).ConfigureAwait(false);
        foreach (var cache in _caches.Values)
        {
            var items = new List<CachedObject>();
            string? after = null;
            while (true)
            {
                var page = await _store.RangeAsync(cache.Prefix, revision, after, 5000, ct).ConfigureAwait(false);
                foreach (var kv in page.Items)
                {
                    try
                    {
                        items.Add(cache.Decoder.Decode(kv.Key, kv.Value, kv.ModRevision));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.UndecodableObject(_logger, kv.Key, kv.ModRevision, ex);
                    }
                }

                if (!page.More || page.Items.Count == 0)
                {
                    break;
                }

                after = page.Items[^1].Key;
            }

            cache.Reset(items, revision);
        }

        Advance(revision);
        Log.CachesLoaded(_logger, _caches.Count, revision);
        return revision;
    }

    private WatchCache? CacheFor(string key)
    {
        // Keys are /registry/<group>/<resource>/...: the cache prefix ends at the fourth slash.
        var slashes = 0;
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == '/' && ++slashes == 4)
            {
                return _caches.GetValueOrDefault(key[..(i + 1)]);
            }
        }

        return null;
    }

    private void Advance(long revision)
    {
        if (revision <= Volatile.Read(ref _progress))
        {
            return;
        }

        Volatile.Write(ref _progress, revision);
        lock (_waitLock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Revision <= revision)
                {
                    _waiters[i].Tcs.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watch caches loaded: {Count} resources at revision {Revision}", EventName = "CachesLoaded")]
        public static partial void CachesLoaded(ILogger logger, int count, long revision);

        [LoggerMessage(2, LogLevel.Warning, "Store watch failed; reloading caches", EventName = "WatchFailed")]
        public static partial void WatchFailed(ILogger logger, Exception ex);

        [LoggerMessage(3, LogLevel.Error, "Cannot decode stored object {Key} at revision {Revision}; skipping it", EventName = "UndecodableObject")]
        public static partial void UndecodableObject(ILogger logger, string key, long revision, Exception ex);
    }
}
