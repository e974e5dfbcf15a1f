using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// The OpenAPI routes of kube-apiserver: <c>/openapi/v2</c>, <c>/openapi/v3</c> and
/// <c>/openapi/v3/{group-version}</c>, served as JSON with ETags (304 on If-None-Match). A v3
/// document fetched by its current <c>?hash=</c> is immutable and cacheable; a stale hash redirects
/// to the current one, as kube-openapi's handler does.
/// </summary>
public static class OpenApiEndpoints
{
    private const string Json = "application/json";

    /// <summary>Maps GET /openapi/v2, /openapi/v3 and /openapi/v3/{**path}.</summary>
    public static IEndpointRouteBuilder MapOpenApiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/openapi/v2", ServeV2);
        endpoints.MapGet("/openapi/v3", ServeV3Index);
        endpoints.MapGet("/openapi/v3/{**path}", (HttpContext context, string path) => ServeV3(context, path));
        return endpoints;
    }

    /// <summary>Serves an OpenAPI path for a request that reached the API server's own router; false when the path is not an OpenAPI one.</summary>
    public static async Task<bool> TryServeAsync(HttpContext context, string path)
    {
        switch (path.TrimEnd('/'))
        {
            case "/openapi/v2":
                await ServeV2(context).ConfigureAwait(false);
                return true;
            case "/openapi/v3":
                await ServeV3Index(context).ConfigureAwait(false);
                return true;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            await ServeV3(context, path["/openapi/v3/".Length..]).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    private static Task ServeV2(HttpContext context)
    {
        var service = context.RequestServices.GetRequiredService<OpenApiService>();

        // client-go asks for protobuf only; browsers and tools ask for JSON.
        return Accepts(context.Request, OpenApiV2Protobuf.MediaType) || Accepts(context.Request, OpenApiV2Protobuf.ResponseMediaType)
            ? Write(context, service.GetV2Protobuf(), immutable: false, OpenApiV2Protobuf.ResponseMediaType)
            : Write(context, service.GetV2(), immutable: false);
    }

    private static Task ServeV3Index(HttpContext context)
    {
        var service = context.RequestServices.GetRequiredService<OpenApiService>();
        return Write(context, service.GetV3Index(), immutable: false);
    }

    private static Task ServeV3(HttpContext context, string path)
    {
        var service = context.RequestServices.GetRequiredService<OpenApiService>();
        var hash = service.GetV3Hash(path);
        if (hash is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var asked = context.Request.Query["hash"].ToString();
        if (asked.Length > 0 && !string.Equals(asked, hash, StringComparison.Ordinal))
        {
            context.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
            context.Response.Redirect($"/openapi/v3/{path.Trim('/')}?hash={hash}", permanent: true);
            return Task.CompletedTask;
        }

        return Write(context, service.GetV3Document(path)!, immutable: asked.Length > 0);
    }

    private static Task Write(HttpContext context, OpenApiDocument document, bool immutable, string contentType = Json)
    {
        var response = context.Response;
        if (contentType == Json && !AcceptsJson(context.Request))
        {
            response.StatusCode = StatusCodes.Status406NotAcceptable;
            return Task.CompletedTask;
        }

        response.Headers.ETag = document.ETag;
        response.Headers.Vary = "Accept";
        if (immutable)
        {
            response.Headers.CacheControl = "public, immutable";
            response.Headers.Expires = DateTimeOffset.UtcNow.AddYears(1).ToString("R");
        }
        else
        {
            response.Headers.CacheControl = "no-cache, private";
        }

        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == document.ETag || t.Trim() == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = contentType;
        response.ContentLength = document.Content.Length;
        return response.Body.WriteAsync(document.Content).AsTask();
    }

    /// <summary>Whether the request can take JSON; a client that asks only for other encodings gets 406.</summary>
    private static bool AcceptsJson(HttpRequest request) =>
        request.Headers.Accept.Count == 0
        || Accepts(request, Json) || Accepts(request, "application/*") || Accepts(request, "*/*");

    /// <summary>
    /// Whether the Accept header lists a media type. Parsed by hand: the protobuf type contains '@',
    /// which the HTTP header parsers reject.
    /// </summary>
    private static bool Accepts(HttpRequest request, string mediaType)
    {
        foreach (var header in request.Headers.Accept)
        {
            foreach (var range in (header ?? "").Split(','))
            {
                var type = range.Split(';')[0].Trim();
                if (type.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
