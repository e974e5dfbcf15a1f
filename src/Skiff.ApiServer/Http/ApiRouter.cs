using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Authentication;
using Skiff.ApiServer.Discovery;
using Skiff.ApiServer.Metrics;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The one request pipeline: authentication, then health, version, discovery, OpenAPI and resource requests,
/// with every failure answered as a Kubernetes <c>Status</c> and every non-watch request bounded in time.
/// </summary>
internal sealed partial class ApiRouter
{
    private readonly ResourceRegistry _registry;
    private readonly DiscoveryService _discovery;
    private readonly Authenticator _authenticator;
    private readonly Bootstrapper _bootstrapper;
    private readonly ApiServerOptions _options;
    private readonly ILogger<ApiRouter> _logger;
    private readonly IEnumerable<IExtraEndpoints> _extras;
    private readonly ApiMetrics _metrics;
    private readonly Authorization.AuthorizerChain _authorizer;
    private readonly Skiff.Storage.IStore _store;

    public ApiRouter(ResourceRegistry registry, DiscoveryService discovery, Authenticator authenticator, Bootstrapper bootstrapper,
        ApiServerOptions options, IEnumerable<IExtraEndpoints> extras, ApiMetrics metrics, Authorization.AuthorizerChain authorizer,
        Skiff.Storage.IStore store, ILogger<ApiRouter> logger)
    {
        _store = store;
        _authorizer = authorizer;
        _registry = registry;
        _discovery = discovery;
        _authenticator = authenticator;
        _bootstrapper = bootstrapper;
        _options = options;
        _extras = extras;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        try
        {
            if (IsHealthPath(path))
            {
                await HealthAsync(ctx, path).ConfigureAwait(false);
                return;
            }

            var user = _authenticator.Authenticate(ctx);
            if (user is null)
            {
                throw ApiException.Unauthorized();
            }

            user = Authorization.Impersonation.Apply(ctx, user, _authorizer);
            ctx.Items[typeof(UserInfo)] = user;
            Admission.RequestUser.Current = user;
            Admission.RequestWarnings.Current = text => HttpIo.AddWarning(ctx, text);
            var watch = ctx.Request.Query.TryGetValue("watch", out var w) && (w == "true" || w == "1");
            var info = RequestInfo.Parse(ctx.Request.Method, path, watch);
            _authorizer.Check(Authorization.AuthorizerChain.For(user, ctx.Request.Method, path, info));
            if (info is { Verb: "get", Subresource: "exec" or "attach" or "portforward" })
            {
                // A WebSocket exec/attach/port-forward is a GET, but it runs something: like kube-apiserver 1.35
                // (AuthorizePodWebsocketUpgradeCreatePermission) it needs "create" as well, as the SPDY POST does.
                _authorizer.Check(Authorization.AuthorizerChain.For(user, ctx.Request.Method, path, info with { Verb = "create" }));
            }

            if (info is not null && _registry.Find(info.Group, info.Version, info.Resource) is { } handler)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                ctx.Response.OnCompleted(() =>
                {
                    _metrics.Observe(info, ctx.Request.Query.ContainsKey("dryRun"), ctx.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                    return Task.CompletedTask;
                });
                // Long-running requests (kube-apiserver's LongRunningRequestCheck) have no request timeout.
                if (info.Verb == "watch" || info.Subresource is "exec" or "attach" or "portforward")
                {
                    await handler.HandleAsync(ctx, info, ctx.RequestAborted).ConfigureAwait(false);
                    return;
                }

                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
                cts.CancelAfter(RequestTimeout(ctx));
                try
                {
                    await handler.HandleAsync(ctx, info, cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested && !ctx.RequestAborted.IsCancellationRequested)
                {
                    throw ApiException.Timeout($"the request did not complete within the allowed duration of {RequestTimeout(ctx).TotalSeconds:0}s");
                }

                return;
            }

            if (ctx.Request.Method is "GET" or "HEAD")
            {
                if (await ServeDocumentAsync(ctx, path).ConfigureAwait(false))
                {
                    return;
                }

                foreach (var extra in _extras)
                {
                    if (await extra.TryHandleAsync(ctx, path).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }

            throw ApiException.NotFound("the server could not find the requested resource");
        }
        catch (ApiException e)
        {
            await WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(ctx, ApiException.BadRequest(e.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            Log.RequestFailed(_logger, ctx.Request.Method, path, e);
            await WriteErrorAsync(ctx, ApiException.Internal(e.Message)).ConfigureAwait(false);
        }
    }

    private static async Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        if (ctx.Response.HasStarted)
        {
            return;
        }

        ctx.Response.Headers.Remove("Warning");
        await HttpIo.WriteErrorAsync(ctx, e).ConfigureAwait(false);
    }

    private TimeSpan RequestTimeout(HttpContext ctx)
    {
        if (ctx.Request.Query.TryGetValue("timeout", out var t) && Skiff.Api.Validation.GoDurations.TryParse(t.ToString(), out var d) && d > TimeSpan.Zero)
        {
            return d < _options.RequestTimeout ? d : _options.RequestTimeout;
        }

        return _options.RequestTimeout;
    }

    private static bool IsHealthPath(string path) =>
        path is "/healthz" or "/livez" or "/readyz" || path.StartsWith("/healthz/", StringComparison.Ordinal)
        || path.StartsWith("/livez/", StringComparison.Ordinal) || path.StartsWith("/readyz/", StringComparison.Ordinal);

    private async Task HealthAsync(HttpContext ctx, string path)
    {
        // As kube-apiserver: /healthz, /livez and /readyz list named checks; /readyz/NAME runs one of them.
        var endpoint = path.StartsWith("/readyz", StringComparison.Ordinal) ? "readyz" : path.StartsWith("/livez", StringComparison.Ordinal) ? "livez" : "healthz";
        var names = endpoint == "readyz" ? ReadyChecks : LiveChecks;
        var only = path.Length > endpoint.Length + 2 ? path[(endpoint.Length + 2)..] : null;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        if (only is not null && !names.Contains(only, StringComparer.Ordinal))
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync("404 page not found\n").ConfigureAwait(false);
            return;
        }

        var results = new List<(string Name, bool Ok)>();
        foreach (var name in only is null ? names : [only])
        {
            results.Add((name, await RunCheckAsync(name, ctx.RequestAborted).ConfigureAwait(false)));
        }

        var healthy = results.TrueForAll(r => r.Ok);
        ctx.Response.StatusCode = healthy ? 200 : 503;
        if (healthy && !ctx.Request.Query.ContainsKey("verbose"))
        {
            await ctx.Response.WriteAsync("ok").ConfigureAwait(false);
            return;
        }

        var body = new System.Text.StringBuilder();
        foreach (var (name, ok) in results)
        {
            body.Append(ok ? $"[+]{name} ok\n" : $"[-]{name} failed: reason withheld\n");
        }

        body.Append(healthy ? $"{endpoint} check passed\n" : $"{endpoint} check failed\n");
        await ctx.Response.WriteAsync(body.ToString()).ConfigureAwait(false);
    }

    private static readonly string[] LiveChecks = ["ping", "etcd"];
    private static readonly string[] ReadyChecks = ["ping", "etcd", "informer-sync"];

    private async Task<bool> RunCheckAsync(string name, CancellationToken ct)
    {
        switch (name)
        {
            case "informer-sync":
                return _bootstrapper.Done.IsCompletedSuccessfully;
            case "etcd":
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    timeout.CancelAfter(StoreHealthTimeout);
                    try
                    {
                        if (_store is Skiff.Storage.IStoreHealth health)
                        {
                            await health.CheckHealthAsync(timeout.Token).ConfigureAwait(false);
                        }
                        else
                        {
                            await _store.GetCurrentRevisionAsync(timeout.Token).ConfigureAwait(false);
                        }

                        return true;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        Log.StoreUnhealthy(_logger, ex.Message);
                        return false;
                    }
                }

            default:
                return true;
        }
    }

    private static readonly TimeSpan StoreHealthTimeout = TimeSpan.FromSeconds(2);

    private async Task<bool> ServeDocumentAsync(HttpContext ctx, string path)
    {
        var accept = ctx.Request.Headers.Accept.ToString();
        byte[]? doc = null;
        var contentType = MediaTypes.Json;
        var trimmed = path.TrimEnd('/');
        switch (trimmed)
        {
            case "/version":
                doc = VersionInfo.Json;
                break;
            case "/api":
                (doc, contentType) = AggregatedFor(accept, _discovery.AggregatedCoreV2, _discovery.AggregatedCoreV2Beta1)
                    ?? (DiscoveryService.Api($"{ctx.Connection.LocalIpAddress}:{ctx.Connection.LocalPort}"), MediaTypes.Json);
                break;
            case "/apis":
                (doc, contentType) = AggregatedFor(accept, _discovery.AggregatedApisV2, _discovery.AggregatedApisV2Beta1) ?? (_discovery.Apis, MediaTypes.Json);
                break;
            default:
                if (trimmed.StartsWith("/api/", StringComparison.Ordinal) && trimmed.Count(c => c == '/') == 2)
                {
                    doc = _discovery.ResourceList(trimmed[5..]);
                }
                else if (trimmed.StartsWith("/apis/", StringComparison.Ordinal))
                {
                    var rest = trimmed[6..];
                    doc = rest.Count(c => c == '/') switch
                    {
                        0 => _discovery.Group(rest),
                        1 => _discovery.ResourceList(rest),
                        _ => null,
                    };
                }

                break;
        }

        if (doc is null)
        {
            return false;
        }

        var etag = DiscoveryService.ETag(doc);
        ctx.Response.Headers.ETag = etag;
        ctx.Response.Headers.Vary = "Accept";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        if (ctx.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            ctx.Response.StatusCode = 304;
            return true;
        }

        await HttpIo.WriteJsonAsync(ctx, 200, doc, contentType).ConfigureAwait(false);
        return true;
    }

    /// <summary>The aggregated discovery document when the client accepts one (first acceptable wins), with its Content-Type.</summary>
    private static (byte[], string)? AggregatedFor(string accept, byte[] v2, byte[] v2beta1)
    {
        foreach (var raw in accept.Split(','))
        {
            var parts = raw.Split(';', StringSplitOptions.TrimEntries);
            if (!parts[0].Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var p = parts.Skip(1).Select(x => x.Split('=', 2)).Where(x => x.Length == 2).ToDictionary(x => x[0].Trim(), x => x[1].Trim());
            if (!p.TryGetValue("as", out var @as))
            {
                return null;
            }

            if (@as == "APIGroupDiscoveryList" && p.GetValueOrDefault("g") == "apidiscovery.k8s.io")
            {
                switch (p.GetValueOrDefault("v"))
                {
                    case "v2":
                        return (v2, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
                    case "v2beta1":
                        return (v2beta1, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
                }
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Request {Method} {Path} failed", EventName = "RequestFailed")]
        public static partial void RequestFailed(ILogger logger, string method, string path, Exception ex);

        [LoggerMessage(2, LogLevel.Warning, "Health check etcd failed: the datastore did not answer: {Reason}", EventName = "StoreUnhealthy")]
        public static partial void StoreUnhealthy(ILogger logger, string reason);
    }
}
