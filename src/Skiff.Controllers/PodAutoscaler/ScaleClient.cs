using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// <see cref="IScaleClient"/> over HTTP: the built-in scalable kinds are mapped directly, any other kind is looked up
/// by discovery (like kube's RESTMapper) and remembered.
/// </summary>
internal sealed class ScaleClient(ApiConnection connection) : IScaleClient
{
    private static readonly Dictionary<(string Group, string Kind), string> Known = new()
    {
        [("apps", "Deployment")] = "deployments",
        [("apps", "ReplicaSet")] = "replicasets",
        [("apps", "StatefulSet")] = "statefulsets",
        [("", "ReplicationController")] = "replicationcontrollers",
    };

    private readonly ConcurrentDictionary<(string Group, string Kind), ApiResource> _mapped = new();

    public async Task<V1Scale> GetAsync(string ns, V2CrossVersionObjectReference target, CancellationToken cancellationToken)
    {
        var resource = await ResolveAsync(target, cancellationToken).ConfigureAwait(false);
        using var request = connection.Request(HttpMethod.Get, resource.Path(ns, target.Name, "scale"));
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<V1Scale> UpdateAsync(string ns, V2CrossVersionObjectReference target, V1Scale scale, CancellationToken cancellationToken)
    {
        var resource = await ResolveAsync(target, cancellationToken).ConfigureAwait(false);
        scale.ApiVersion = "autoscaling/v1";
        scale.Kind = "Scale";
        using var request = connection.Request(HttpMethod.Put, resource.Path(ns, target.Name, "scale"));
        request.Content = new StringContent(KubernetesJson.Serialize(scale), Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ApiResource> ResolveAsync(V2CrossVersionObjectReference target, CancellationToken cancellationToken)
    {
        var apiVersion = target.ApiVersion ?? "";
        var slash = apiVersion.IndexOf('/');
        var (group, version) = slash < 0 ? ("", apiVersion.Length == 0 ? "v1" : apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        if (Known.TryGetValue((group, target.Kind), out var plural))
        {
            return new ApiResource(group, version, plural, target.Kind, true);
        }

        if (_mapped.TryGetValue((group, target.Kind), out var mapped))
        {
            return mapped;
        }

        List<DiscoveredResource> resources;
        try
        {
            resources = await new Discovery(connection).ServerPreferredResourcesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            throw new ScaleException("unable to determine resource for scale target reference: " + ex.Message);
        }

        var found = resources.FirstOrDefault(r => r.Resource.Group == group && r.Resource.Kind == target.Kind && !r.Resource.Plural.Contains('/'))?.Resource
            ?? throw new ScaleException($"unable to determine resource for scale target reference: no matches for kind \"{target.Kind}\" in group \"{group}\"");
        return _mapped[(group, target.Kind)] = found with { Version = version };
    }

    private async Task<V1Scale> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ScaleException(ex.Message);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string? message = null;
                try
                {
                    message = KubernetesJson.Deserialize<V1Status>(body)?.Message;
                }
                catch (System.Text.Json.JsonException)
                {
                }

                throw new ScaleException(message ?? $"{(int)response.StatusCode} {response.ReasonPhrase}");
            }

            return KubernetesJson.Deserialize<V1Scale>(body);
        }
    }
}
