using k8s;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// Reads the server's resource catalog from /api/v1 and /apis (each group's preferred version), as client-go's
/// discovery client does for the garbage collector and the namespace controller.
/// </summary>
public sealed class Discovery(ApiConnection connection)
{
    public async Task<List<DiscoveredResource>> ServerPreferredResourcesAsync(CancellationToken cancellationToken)
    {
        var result = new List<DiscoveredResource>();
        var core = await GetAsync<V1APIResourceList>("/api/v1", cancellationToken).ConfigureAwait(false);
        Add(result, "", "v1", core);

        var groups = await GetAsync<V1APIGroupList>("/apis", cancellationToken).ConfigureAwait(false);
        foreach (var group in groups.Groups ?? [])
        {
            var version = group.PreferredVersion?.Version ?? group.Versions?.FirstOrDefault()?.Version;
            if (version is null)
            {
                continue;
            }

            var list = await GetAsync<V1APIResourceList>($"/apis/{group.Name}/{version}", cancellationToken).ConfigureAwait(false);
            Add(result, group.Name, version, list);
        }

        return result;
    }

    private static void Add(List<DiscoveredResource> result, string group, string version, V1APIResourceList list)
    {
        foreach (var r in list.Resources ?? [])
        {
            if (r.Name.Contains('/'))
            {
                continue;
            }

            result.Add(new DiscoveredResource(new ApiResource(group, version, r.Name, r.Kind, r.Namespaced), [.. r.Verbs ?? []]));
        }
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var request = connection.Request(HttpMethod.Get, path);
        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiException(response.StatusCode, null, $"discovery {path}: {(int)response.StatusCode}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return KubernetesJson.Deserialize<T>(stream);
    }
}
