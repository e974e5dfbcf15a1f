using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.OpenApi;

/// <summary>Plugs the OpenAPI documents into the API server's authenticated router.</summary>
internal sealed class OpenApiRoutes : IExtraEndpoints
{
    public Task<bool> TryHandleAsync(HttpContext ctx, string path) =>
        path.StartsWith("/openapi/", StringComparison.Ordinal) ? OpenApiEndpoints.TryServeAsync(ctx, path) : Task.FromResult(false);
}
