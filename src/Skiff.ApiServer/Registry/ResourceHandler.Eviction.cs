using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry.Core.Pods;

namespace Skiff.ApiServer.Registry;

/// <summary>The pods/eviction subresource: how <c>kubectl drain</c> removes pods without breaking disruption budgets.</summary>
internal sealed partial class ResourceHandler<T>
{
    /// <summary>The eviction rules; set by the registry on the pods handler only.</summary>
    internal PodEviction? Evictions { get; set; }

    /// <summary>
    /// POST pods/{name}/eviction with a policy/v1 (or v1beta1) Eviction: the budget check and the delete are
    /// <see cref="PodEviction"/>'s; the answer is 201 with a Success Status, as kube-apiserver gives.
    /// </summary>
    private async Task EvictAsync(HttpContext ctx, string? ns, string name, CancellationToken ct)
    {
        if (Evictions is null || ns is null)
        {
            throw ApiException.NotFound("the server could not find the requested resource");
        }

        var body = TranscodeProtobuf(ctx, await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false));
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request was empty");
        }

        V1Eviction eviction;
        try
        {
            eviction = ApiJson.Deserialize<V1Eviction>(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiException.BadRequest($"Eviction in version \"v1\" cannot be handled as a Eviction: {e.Message}");
        }

        if (eviction.Metadata?.Name is { Length: > 0 } evictionName && evictionName != name)
        {
            throw ApiException.BadRequest("name in URL does not match name in Eviction object");
        }

        var options = eviction.DeleteOptions;
        await Evictions.EvictAsync(ns, name, options, DryRun(ctx, options), ct).ConfigureAwait(false);
        await HttpIo.WriteJsonAsync(ctx, 201, StatusJson.Write(new V1Status { Kind = "Status", ApiVersion = "v1", Metadata = new V1ListMeta(), Status = "Success", Code = 201 })).ConfigureAwait(false);
    }
}
