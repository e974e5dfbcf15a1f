using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Http;

/// <summary>Authenticated GET endpoints beside the resource API (OpenAPI, metrics); the router asks each in turn.</summary>
internal interface IExtraEndpoints
{
    /// <summary>Serves <paramref name="path"/> if it is one of this component's; returns whether it did.</summary>
    Task<bool> TryHandleAsync(HttpContext ctx, string path);
}
