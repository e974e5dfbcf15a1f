using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// The kubelet's service-account token manager: asks the API server for a token bound to the pod (POST
/// serviceaccounts/NAME/token with a TokenRequest whose boundObjectRef is the pod) and keeps it until it is 80% through
/// its life or 24 hours old, the refresh rule of the kubelet's token manager, so projected tokens are rotated well
/// before they expire. Thread-safe; tokens of one pod are dropped with <see cref="Forget"/> when the pod goes.
/// </summary>
internal sealed class TokenRequestTokenSource(ApiConnection connection, TimeProvider time) : ITokenSource
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<(string Uid, string Account, string Audience, long Seconds), CachedToken> _tokens = new();

    public async Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var name = pod.Metadata?.Name ?? "";
        var account = string.IsNullOrEmpty(pod.Spec?.ServiceAccountName) ? "default" : pod.Spec.ServiceAccountName;
        var key = (pod.Metadata?.Uid ?? "", account, audience ?? "", expirationSeconds);
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(key, out var cached) && !cached.NeedsRefresh(now))
        {
            return cached.Token;
        }

        var body = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Spec = new V1TokenRequestSpec
            {
                Audiences = string.IsNullOrEmpty(audience) ? null : [audience],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = name, Uid = pod.Metadata?.Uid },
            },
        };
        var path = $"{connection.BaseUri.ToString().TrimEnd('/')}/api/v1/namespaces/{Uri.EscapeDataString(ns)}/serviceaccounts/{Uri.EscapeDataString(account)}/token";
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(KubernetesJson.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var message = TryStatusMessage(text) ?? $"HTTP {(int)response.StatusCode}";
            throw new InvalidOperationException($"failed to fetch token for pod {ns}/{name} service account {account}: {message}");
        }

        var result = KubernetesJson.Deserialize<Authenticationv1TokenRequest>(text);
        var token = result.Status?.Token;
        if (string.IsNullOrEmpty(token) || result.Status!.ExpirationTimestamp is not { } expires)
        {
            throw new InvalidOperationException($"failed to fetch token for pod {ns}/{name} service account {account}: the API server returned no token");
        }

        _tokens[key] = new CachedToken(token, now, new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)));
        DropExpired(now);
        return token;
    }

    /// <summary>Forgets the tokens of a pod that is gone (the kubelet's DeleteServiceAccountToken).</summary>
    public void Forget(string podUid)
    {
        foreach (var key in _tokens.Keys.Where(k => k.Uid == podUid))
        {
            _tokens.TryRemove(key, out _);
        }
    }

    private void DropExpired(DateTimeOffset now)
    {
        foreach (var (key, value) in _tokens)
        {
            if (value.Expires <= now)
            {
                _tokens.TryRemove(key, out _);
            }
        }
    }

    private static string? TryStatusMessage(string text)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(text)?.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private sealed record CachedToken(string Token, DateTimeOffset Fetched, DateTimeOffset Expires)
    {
        public bool NeedsRefresh(DateTimeOffset now) =>
            now >= Fetched + ((Expires - Fetched) * 0.8) || now - Fetched > MaxAge;
    }
}
