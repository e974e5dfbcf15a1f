using System.Net.Http.Headers;
using k8s;

namespace Skiff.Client.Api;

/// <summary>
/// The HTTP connection every client of one identity shares: the KubernetesClient package's <see cref="Kubernetes"/>
/// supplies TLS, the client certificate or token, and the base URL; resource clients send through its HttpClient.
/// </summary>
public sealed class ApiConnection : IDisposable
{
    private readonly Kubernetes? _owned;

    public ApiConnection(KubernetesClientConfiguration configuration)
        : this(configuration, null)
    {
    }

    /// <summary>
    /// A connection whose refused requests (403 Forbidden) are logged to <paramref name="forbiddenLog"/> as warnings
    /// naming the component (<see cref="UserAgent"/>), verb and path: for control-plane components running with
    /// least-privilege identities, where a missing permission would otherwise go unseen.
    /// </summary>
    public ApiConnection(KubernetesClientConfiguration configuration, Microsoft.Extensions.Logging.ILogger? forbiddenLog)
        : this(configuration, forbiddenLog, null)
    {
    }

    /// <summary>
    /// A connection that sends the bearer token of <paramref name="tokens"/> (a service account's, kept fresh) instead of
    /// the credentials of <paramref name="configuration"/>, which then only names the server and the CA to trust.
    /// </summary>
    public ApiConnection(KubernetesClientConfiguration configuration, Microsoft.Extensions.Logging.ILogger? forbiddenLog, ServiceAccountTokenSource? tokens)
    {
        var handlers = new List<DelegatingHandler>();
        if (tokens is not null)
        {
            handlers.Add(new BearerTokenHandler(tokens));
        }

        if (forbiddenLog is not null)
        {
            handlers.Add(new ForbiddenResponseLogger(forbiddenLog));
        }

        _owned = new Kubernetes(configuration, [.. handlers]);
        HttpClient = _owned.HttpClient;
        BaseUri = _owned.BaseUri;
        // Watches are long-lived; per-request deadlines come from cancellation tokens instead.
        HttpClient.Timeout = Timeout.InfiniteTimeSpan;
        UserAgent = "skiff-controller-manager";
    }

    public ApiConnection(HttpClient httpClient, Uri baseUri)
    {
        HttpClient = httpClient;
        BaseUri = baseUri;
        UserAgent = "skiff-controller-manager";
    }

    public HttpClient HttpClient { get; }

    public Uri BaseUri { get; }

    public string UserAgent { get; init; }

    /// <summary>A client for one resource with the model type the caller reads and writes.</summary>
    public IResourceClient<T> For<T>(ApiResource resource)
        where T : class, IKubernetesObject<k8s.Models.V1ObjectMeta> => new ResourceClient<T>(this, resource);

    internal HttpRequestMessage Request(HttpMethod method, string pathAndQuery)
    {
        var baseText = BaseUri.ToString().TrimEnd('/');
        var request = new HttpRequestMessage(method, baseText + pathAndQuery);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.ParseAdd(UserAgent);
        return request;
    }

    public void Dispose() => _owned?.Dispose();
}
