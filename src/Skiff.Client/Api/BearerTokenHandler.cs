using System.Net.Http.Headers;

namespace Skiff.Client.Api;

/// <summary>
/// Sends every request with the current token of a <see cref="ServiceAccountTokenSource"/> as its bearer token, and drops a
/// token the API server no longer accepts.
/// </summary>
internal sealed class BearerTokenHandler(ServiceAccountTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            // The caller sees this failure and retries as it would any other; its next request carries a new token.
            tokens.Invalidate(token);
        }

        return response;
    }
}
