using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Cache;

/// <summary>
/// List + watch into an <see cref="Indexer{T}"/>, after client-go's reflector and sharedIndexInformer: a paged
/// LIST, then a WATCH from the list's resourceVersion with bookmarks; a watch that ends is resumed from the last
/// resourceVersion seen, and a 410 Gone (an ERROR event or an HTTP 410) triggers a fresh LIST whose differences
/// reach the handlers as adds, updates and tombstoned deletes. Handlers run on the informer's loop.
/// </summary>
public sealed partial class SharedInformer<T> : IInformer<T>, IRunnable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IListerWatcher<T> _listerWatcher;
    private readonly InformerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly Lock _handlersLock = new();
    private readonly List<IResourceEventHandler<T>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _name;

    public SharedInformer(IListerWatcher<T> listerWatcher, InformerOptions options, TimeProvider timeProvider, ILogger logger, string name, Random? random = null)
    {
        _listerWatcher = listerWatcher;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _name = name;
        _random = random ?? Random.Shared;
    }

    public Indexer<T> Indexer { get; } = new();

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion of the last list or event stored.</summary>
    public string? LastResourceVersion { get; private set; }

    /// <summary>How many times the informer listed (the first list included); tests read it to see relists.</summary>
    public int ListCount { get; private set; }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public void AddEventHandler(IResourceEventHandler<T> handler)
    {
        List<T> existing;
        lock (_handlersLock)
        {
            _handlers.Add(handler);
            existing = HasSynced ? Indexer.List() : [];
        }

        foreach (var obj in existing)
        {
            Safely(() => handler.OnAdd(obj));
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var resync = _options.ResyncPeriod > TimeSpan.Zero ? RunResyncAsync(cancellationToken) : Task.CompletedTask;
        var backoff = _options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ListAsync(cancellationToken).ConfigureAwait(false);
                backoff = _options.InitialBackoff;
                await WatchUntilGoneAsync(cancellationToken).ConfigureAwait(false);
                Log.Relisting(_logger, _name, LastResourceVersion);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.ListWatchFailed(_logger, _name, ex.Message);
                try
                {
                    await Task.Delay(backoff, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }

        await resync.ConfigureAwait(false);
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string? resourceVersion = null;
        do
        {
            var page = await _listerWatcher.ListAsync(new ListOptions { Limit = _options.PageSize, Continue = continueToken }, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items ?? []);
            continueToken = page.Metadata?.ContinueProperty;
            resourceVersion ??= page.Metadata?.ResourceVersion;
        }
        while (!string.IsNullOrEmpty(continueToken));

        ListCount++;
        List<IResourceEventHandler<T>> handlers;
        Dictionary<string, T> before;
        lock (_handlersLock)
        {
            before = Indexer.Replace(items);
            handlers = [.. _handlers];
            LastResourceVersion = resourceVersion;
            _synced.TrySetResult();
        }

        foreach (var obj in items)
        {
            var key = ObjectKey.Of(obj);
            if (before.Remove(key, out var old))
            {
                foreach (var h in handlers)
                {
                    Safely(() => h.OnUpdate(old, obj));
                }
            }
            else
            {
                foreach (var h in handlers)
                {
                    Safely(() => h.OnAdd(obj));
                }
            }
        }

        // What the new list lacks was deleted while we were not watching: its final state is unknown.
        foreach (var (key, old) in before)
        {
            var tombstone = new DeletedFinalStateUnknown<T>(key, old);
            foreach (var h in handlers)
            {
                Safely(() => h.OnDelete(default, tombstone));
            }
        }
    }

    /// <summary>Watches, resuming after normal ends, until the resourceVersion is gone (then the caller relists).</summary>
    private async Task WatchUntilGoneAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var timeout = (int)_options.MinWatchTimeout.TotalSeconds;
            var options = new WatchOptions
            {
                ResourceVersion = LastResourceVersion,
                TimeoutSeconds = timeout + _random.Next(Math.Max(1, timeout)),
                AllowBookmarks = true,
            };
            try
            {
                await foreach (var ev in _listerWatcher.WatchAsync(options, cancellationToken).ConfigureAwait(false))
                {
                    if (ev.Type == WatchEventKind.Error)
                    {
                        if (ev.Status?.Code == 410 || ev.Status?.Reason is "Expired" or "Gone")
                        {
                            return;
                        }

                        throw new ApiException((System.Net.HttpStatusCode)(ev.Status?.Code ?? 500), ev.Status, $"watch error: {ev.Status?.Message}");
                    }

                    Apply(ev);
                }
            }
            catch (ApiException ex) when (ex.IsGone)
            {
                return;
            }
        }
    }

    private void Apply(WatchEvent<T> ev)
    {
        var obj = ev.Object!;
        var rv = obj.Metadata?.ResourceVersion;
        if (ev.Type == WatchEventKind.Bookmark)
        {
            LastResourceVersion = rv ?? LastResourceVersion;
            return;
        }

        List<IResourceEventHandler<T>> handlers;
        T? old;
        lock (_handlersLock)
        {
            old = ev.Type == WatchEventKind.Deleted ? Indexer.Remove(ObjectKey.Of(obj)) : Indexer.Upsert(obj);
            handlers = [.. _handlers];
            LastResourceVersion = rv ?? LastResourceVersion;
        }

        foreach (var h in handlers)
        {
            switch (ev.Type)
            {
                case WatchEventKind.Deleted:
                    Safely(() => h.OnDelete(obj, null));
                    break;
                case WatchEventKind.Added when old is null:
                case WatchEventKind.Modified when old is null:
                    Safely(() => h.OnAdd(obj));
                    break;
                default:
                    Safely(() => h.OnUpdate(old!, obj));
                    break;
            }
        }
    }

    private async Task RunResyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _synced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                await Task.Delay(_options.ResyncPeriod, _timeProvider, cancellationToken).ConfigureAwait(false);
                List<IResourceEventHandler<T>> handlers;
                lock (_handlersLock)
                {
                    handlers = [.. _handlers];
                }

                foreach (var obj in Indexer.List())
                {
                    foreach (var h in handlers)
                    {
                        Safely(() => h.OnUpdate(obj, obj));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Runs one event handler. Handlers must only enqueue; one that throws anyway is logged and skipped, so a bug
    /// in one controller's handler cannot stop this informer (and every other controller sharing it) from watching.
    /// </summary>
    private void Safely(Action deliver)
    {
        try
        {
            deliver();
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, _name, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3, EventName = "InformerHandlerFailed", Level = LogLevel.Error, Message = "informer {Name}: an event handler failed")]
        public static partial void HandlerFailed(ILogger logger, string name, Exception ex);

        [LoggerMessage(EventId = 1, EventName = "InformerListWatchFailed", Level = LogLevel.Warning, Message = "informer {Name}: list/watch failed: {Error}")]
        public static partial void ListWatchFailed(ILogger logger, string name, string error);

        [LoggerMessage(EventId = 2, EventName = "InformerRelisting", Level = LogLevel.Debug, Message = "informer {Name}: resourceVersion {ResourceVersion} is gone; relisting")]
        public static partial void Relisting(ILogger logger, string name, string? resourceVersion);
    }
}
