using System.Net.Http.Headers;

namespace Skiff.Client.Api;

/// <summary>Sends every request with the current token of a <see cref="ServiceAccountTokenSource"/> as its bearer token.</summary>
internal sealed class BearerTokenHandler(ServiceAccountTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
