using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// <see cref="IResourceClient{T}"/> over HTTP, with the KubernetesClient package's JSON settings
/// (<see cref="KubernetesJson"/>). Watch events are read line by line, the framing kube-apiserver uses
/// for JSON watches; ERROR events keep their Status so an informer can tell 410 Gone from other failures.
/// </summary>
internal sealed class ResourceClient<T>(ApiConnection connection, ApiResource resource) : IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const string MergePatch = "application/merge-patch+json";

    /// <summary>
    /// Clients of <see cref="ObjectMetadata"/> (the garbage collector, the namespace controller) ask the server for
    /// metadata only, as client-go's metadata informers do: the server then sends no spec or status at all.
    /// </summary>
    private static readonly bool MetadataOnly = typeof(T) == typeof(ObjectMetadata);

    public ApiResource Resource { get; } = resource;

    public async Task<ObjectList<T>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken)
    {
        var query = new QueryBuilder()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("limit", options.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("continue", options.Continue)
            .Add("resourceVersion", options.ResourceVersion);
        using var request = connection.Request(HttpMethod.Get, Resource.Path(ns) + query);
        AskForMetadataOnly(request, "PartialObjectMetadataList");
        var list = await SendAsync<ObjectList<T>>(request, cancellationToken).ConfigureAwait(false);
        if (MetadataOnly)
        {
            foreach (var item in list.Items ?? [])
            {
                Slim(item);
            }
        }

        return list;
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? ns, WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryBuilder()
            .Add("watch", "true")
            .Add("resourceVersion", options.ResourceVersion)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("allowWatchBookmarks", options.AllowBookmarks ? "true" : null);
        using var request = connection.Request(HttpMethod.Get, Resource.Path(ns) + query);
        AskForMetadataOnly(request, "PartialObjectMetadata");
        using var response = await connection.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            yield return ParseEvent(line);
        }
    }

    public async Task<T> GetAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        using var request = connection.Request(HttpMethod.Get, Resource.Path(ns, name));
        return await SendAsync<T>(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T> CreateAsync(T obj, CancellationToken cancellationToken)
    {
        Stamp(obj);
        using var request = connection.Request(HttpMethod.Post, Resource.Path(obj.Metadata.NamespaceProperty));
        request.Content = Json(obj);
        return await SendAsync<T>(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T> UpdateAsync(T obj, CancellationToken cancellationToken, string? subresource = null)
    {
        Stamp(obj);
        using var request = connection.Request(HttpMethod.Put, Resource.Path(obj.Metadata.NamespaceProperty, obj.Metadata.Name, subresource));
        request.Content = Json(obj);
        return await SendAsync<T>(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null)
    {
        using var request = connection.Request(HttpMethod.Patch, Resource.Path(ns, name, subresource));
        request.Content = new StringContent(mergePatch, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(MergePatch);
        return await SendAsync<T>(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
    {
        using var request = connection.Request(HttpMethod.Delete, Resource.Path(ns, name));
        if (options is not null)
        {
            options.ApiVersion ??= "v1";
            options.Kind ??= "DeleteOptions";
            request.Content = Json(options);
        }

        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Stamp(T obj)
    {
        // The server needs apiVersion and kind to decode a body; objects built in code often leave them empty.
        if (string.IsNullOrEmpty(obj.ApiVersion))
        {
            obj.ApiVersion = Resource.ApiVersion;
        }

        if (string.IsNullOrEmpty(obj.Kind))
        {
            obj.Kind = Resource.Kind;
        }
    }

    private static StringContent Json(object body)
    {
        var content = new StringContent(KubernetesJson.Serialize(body), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<TResult> SendAsync<TResult>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return KubernetesJson.Deserialize<TResult>(stream);
    }

    private static void AskForMetadataOnly(HttpRequestMessage request, string kind)
    {
        if (MetadataOnly)
        {
            request.Headers.Accept.Clear();
            request.Headers.TryAddWithoutValidation("Accept", $"application/json;as={kind};g=meta.k8s.io;v=v1,application/json");
        }
    }

    /// <summary>Drops what a metadata cache never reads (managedFields is most of an object's metadata).</summary>
    private static T Slim(T obj)
    {
        if (MetadataOnly && obj.Metadata is { } meta)
        {
            meta.ManagedFields = null;
        }

        return obj;
    }

    private WatchEvent<T> ParseEvent(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var type = doc.RootElement.GetProperty("type").GetString();
        var obj = doc.RootElement.GetProperty("object");
        return type switch
        {
            "ADDED" => new WatchEvent<T>(WatchEventKind.Added, Slim(KubernetesJson.Deserialize<T>(obj))),
            "MODIFIED" => new WatchEvent<T>(WatchEventKind.Modified, Slim(KubernetesJson.Deserialize<T>(obj))),
            "DELETED" => new WatchEvent<T>(WatchEventKind.Deleted, Slim(KubernetesJson.Deserialize<T>(obj))),
            "BOOKMARK" => new WatchEvent<T>(WatchEventKind.Bookmark, KubernetesJson.Deserialize<T>(obj)),
            _ => new WatchEvent<T>(WatchEventKind.Error, null, KubernetesJson.Deserialize<V1Status>(obj)),
        };
    }

    private async Task<ApiException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        V1Status? status = null;
        try
        {
            status = body.Length > 0 ? KubernetesJson.Deserialize<V1Status>(body) : null;
        }
        catch (JsonException)
        {
            // Not a Status body (a proxy error page, say): the HTTP code alone describes the failure.
        }

        var message = status?.Message ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
        return new ApiException(response.StatusCode, status, $"{Resource.GroupResource}: {message}");
    }

    private sealed class QueryBuilder
    {
        private readonly StringBuilder _sb = new();

        public QueryBuilder Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _sb.Append(_sb.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
            }

            return this;
        }

        public override string ToString() => _sb.ToString();
    }
}
