using Microsoft.AspNetCore.Http;
using Skiff.Api.Resources;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>Serves the REST verbs of one resource in one group-version.</summary>
internal interface IResourceHandler
{
    ResourceInfo Info { get; }

    /// <summary>The watch cache of the resource's storage; null for resources that are not stored (access reviews).</summary>
    WatchCache? Cache { get; }

    /// <summary>The subresources this handler really serves (for discovery).</summary>
    IReadOnlyList<string> ServedSubresources { get; }

    Task HandleAsync(HttpContext ctx, RequestInfo request, CancellationToken ct);
}
