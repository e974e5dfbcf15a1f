using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>Tokens for service accounts from the TokenRequest API (<c>serviceaccounts/token</c>).</summary>
public static class ServiceAccountTokens
{
    /// <summary>
    /// Makes sure the service account <paramref name="ns"/>/<paramref name="name"/> exists (creating it if not, as
    /// kube-controller-manager's client builder does for its controllers' accounts) and requests a token for it that
    /// lives <paramref name="lifetime"/>. <paramref name="connection"/> needs get and create on serviceaccounts and create
    /// on serviceaccounts/token in <paramref name="ns"/>.
    /// </summary>
    public static async Task<IssuedToken> RequestAsync(ApiConnection connection, string ns, string name, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var accounts = connection.For<V1ServiceAccount>(ApiResource.ServiceAccounts);
        try
        {
            await accounts.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            try
            {
                await accounts.CreateAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } }, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException created) when (created.IsAlreadyExists)
            {
            }
        }

        var tokenRequest = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Spec = new V1TokenRequestSpec { ExpirationSeconds = (long)lifetime.TotalSeconds, Audiences = [] },
        };
        using var request = connection.Request(HttpMethod.Post, ApiResource.ServiceAccounts.Path(ns, name, "token"));
        request.Content = new StringContent(KubernetesJson.Serialize(tokenRequest), Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            V1Status? status = null;
            try
            {
                status = KubernetesJson.Deserialize<V1Status>(body);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            throw new ApiException(response.StatusCode, status, $"serviceaccounts/token {ns}/{name}: {status?.Message ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        var issued = KubernetesJson.Deserialize<Authenticationv1TokenRequest>(body);
        if (issued.Status?.Token is not { Length: > 0 } token)
        {
            throw new ApiException(response.StatusCode, null, $"serviceaccounts/token {ns}/{name}: the answer carries no token");
        }

        if (issued.Status.ExpirationTimestamp is not { } expires)
        {
            throw new ApiException(response.StatusCode, null, $"serviceaccounts/token {ns}/{name}: the answer carries no expirationTimestamp");
        }

        return new IssuedToken(token, new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)));
    }
}
