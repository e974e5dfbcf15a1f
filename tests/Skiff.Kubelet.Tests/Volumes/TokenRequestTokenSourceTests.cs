using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

public sealed class TokenRequestTokenSourceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Handler _handler;
    private readonly TokenRequestTokenSource _source;

    private static readonly V1Pod Pod = new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "team", Uid = "pod-uid" },
        Spec = new V1PodSpec { ServiceAccountName = "builder" },
    };

    public TokenRequestTokenSourceTests()
    {
        _handler = new Handler(_time);
        _source = new TokenRequestTokenSource(new ApiConnection(new HttpClient(_handler), new Uri("https://api.test")), _time);
    }

    [Fact]
    public async Task GetToken_PostsABoundTokenRequest_AndCachesUntil80PercentOfItsLife()
    {
        var first = await _source.GetTokenAsync(Pod, "vault", 3600, CancellationToken.None);
        Assert.Equal("token-1", first);
        var (path, body) = Assert.Single(_handler.Requests);
        Assert.Equal("/api/v1/namespaces/team/serviceaccounts/builder/token", path);
        Assert.Equal("Pod", (string?)body["spec"]!["boundObjectRef"]!["kind"]);
        Assert.Equal("pod-uid", (string?)body["spec"]!["boundObjectRef"]!["uid"]);
        Assert.Equal("vault", (string?)body["spec"]!["audiences"]![0]);
        Assert.Equal(3600, (long)body["spec"]!["expirationSeconds"]!);

        _time.Advance(TimeSpan.FromMinutes(47));
        Assert.Equal("token-1", await _source.GetTokenAsync(Pod, "vault", 3600, CancellationToken.None));
        Assert.Single(_handler.Requests);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("token-2", await _source.GetTokenAsync(Pod, "vault", 3600, CancellationToken.None));

        // Another audience is another token.
        Assert.Equal("token-3", await _source.GetTokenAsync(Pod, null, 3600, CancellationToken.None));
        Assert.Null(_handler.Requests[^1].Body["spec"]!["audiences"]);
    }

    [Fact]
    public async Task GetToken_ApiError_NamesPodAndCause()
    {
        _handler.Fail = true;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => _source.GetTokenAsync(Pod, null, 3607, CancellationToken.None));
        Assert.Equal("failed to fetch token for pod team/web service account builder: serviceaccounts \"builder\" not found", e.Message);
    }

    private sealed class Handler(TimeProvider time) : HttpMessageHandler
    {
        public List<(string Path, JsonNode Body)> Requests { get; } = [];

        public bool Fail { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            Requests.Add((request.RequestUri!.AbsolutePath, body));
            if (Fail)
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound)
                {
                    Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"serviceaccounts \"builder\" not found","reason":"NotFound","code":404}""", Encoding.UTF8, "application/json"),
                };
            }

            var expires = time.GetUtcNow().AddSeconds((long)body["spec"]!["expirationSeconds"]!).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
            body["status"] = new JsonObject { ["token"] = $"token-{Requests.Count}", ["expirationTimestamp"] = expires };
            return new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        }
    }
}
