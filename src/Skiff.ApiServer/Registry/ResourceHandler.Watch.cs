using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Selectors;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <content>Watch streams: newline-delimited <c>{"type","object"}</c> events, bookmarks and 410 errors as ERROR events.</content>
internal sealed partial class ResourceHandler<T>
{
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromMinutes(1);

    private async Task WatchAsync(HttpContext ctx, string? ns, string? name, CancellationToken ct)
    {
        var options = ParseListOptions(ctx);
        if (name is not null)
        {
            options = options with { Fields = FieldSelector.Parse(string.Join(",", new[] { $"metadata.name={name}", options.Fields.ToString() }.Where(s => s.Length > 0))) };
        }

        var neg = MediaTypes.Negotiate(ctx.Request.Headers.Accept);
        var res = ctx.Response;
        CacheWatcher watcher;
        try
        {
            watcher = await _store.WatchAsync(ns, options, ct).ConfigureAwait(false);
        }
        catch (TooOldResourceVersionException e)
        {
            // Kubernetes answers an expired watch with 200 and a single ERROR event carrying the 410 Status.
            res.StatusCode = 200;
            res.ContentType = neg.ContentType;
            var status = ApiException.Gone(e.Message).ToStatus();
            await WriteEventAsync(res, "ERROR", StatusJson.Write(status), ct).ConfigureAwait(false);
            return;
        }

        using var _ = watcher;
        var timeout = options.Timeout ?? _options.MaxWatchTimeout * (1 + Random.Shared.NextDouble());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var token = cts.Token;
        res.StatusCode = 200;
        res.ContentType = neg.ContentType;
        res.Headers.CacheControl = "no-cache, private";
        await res.StartAsync(token).ConfigureAwait(false);

        var firstTableEvent = true;
        try
        {
            foreach (var e in watcher.Initial)
            {
                await WriteCacheEventAsync(res, e, neg, firstTableEvent, token).ConfigureAwait(false);
                firstTableEvent = false;
            }

            if (options.SendInitialEvents == true)
            {
                await WriteBookmarkAsync(res, watcher.StartRevision, initialEventsEnd: true, token).ConfigureAwait(false);
            }

            await res.Body.FlushAsync(token).ConfigureAwait(false);
            var reader = watcher.Events;
            var nextBookmark = _time.GetUtcNow() + BookmarkInterval;
            while (!token.IsCancellationRequested)
            {
                var wait = nextBookmark - _time.GetUtcNow();
                bool available;
                if (wait <= TimeSpan.Zero)
                {
                    available = false;
                }
                else
                {
                    using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    waitCts.CancelAfter(wait);
                    try
                    {
                        available = await reader.WaitToReadAsync(waitCts.Token).ConfigureAwait(false);
                        if (!available)
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        available = false;
                    }
                }

                if (available)
                {
                    while (reader.TryRead(out var e))
                    {
                        await WriteCacheEventAsync(res, e, neg, firstTableEvent, token).ConfigureAwait(false);
                        firstTableEvent = false;
                    }

                    await res.Body.FlushAsync(token).ConfigureAwait(false);
                }
                else
                {
                    if (options.AllowBookmarks && _store.Cache.BookmarkRevision(watcher) is { } rv)
                    {
                        await WriteBookmarkAsync(res, rv, initialEventsEnd: false, token).ConfigureAwait(false);
                        await res.Body.FlushAsync(token).ConfigureAwait(false);
                    }

                    nextBookmark = _time.GetUtcNow() + BookmarkInterval;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: the stream just ends, as kube-apiserver ends a watch.
        }
    }

    private Task WriteCacheEventAsync(HttpResponse res, CacheEvent e, Negotiated neg, bool first, CancellationToken ct)
    {
        var type = e.Type switch
        {
            CacheEventType.Added => "ADDED",
            CacheEventType.Modified => "MODIFIED",
            _ => "DELETED",
        };
        byte[] payload = neg.Format switch
        {
            ResponseFormat.Table => TableWriter.Write(_store.Strategy.Table, [_store.Decode(e.Object)], neg.MetaVersion,
                "Metadata", first, e.Object.ResourceVersion.ToString(CultureInfo.InvariantCulture), null, null, Now(), _conv.Encode),
            ResponseFormat.PartialObjectMetadata => PartialMetadata(e.Object, neg.MetaVersion),
            _ => _conv.Encode(e.Object),
        };
        return WriteEventAsync(res, type, payload, ct);
    }

    private Task WriteBookmarkAsync(HttpResponse res, long revision, bool initialEventsEnd, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, ApiJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", Info.Kind);
            w.WriteString("apiVersion", Info.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", revision.ToString(CultureInfo.InvariantCulture));
            w.WriteString("creationTimestamp", (string?)null);
            if (initialEventsEnd)
            {
                w.WriteStartObject("annotations");
                w.WriteString("k8s.io/initial-events-end", "true");
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return WriteEventAsync(res, "BOOKMARK", ms.ToArray(), ct);
    }

    private static async Task WriteEventAsync(HttpResponse res, string type, byte[] payload, CancellationToken ct)
    {
        var head = System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
        await res.Body.WriteAsync(head, ct).ConfigureAwait(false);
        await res.Body.WriteAsync(payload, ct).ConfigureAwait(false);
        await res.Body.WriteAsync("}\n"u8.ToArray(), ct).ConfigureAwait(false);
    }
}
