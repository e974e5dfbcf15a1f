using k8s.Models;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// The token source until the TokenRequest API exists (security issue 10): every request fails with a message saying
/// so. A fake token would mount and then fail authentication in confusing ways; a clear FailedMount is better.
/// </summary>
internal sealed class UnavailableTokenSource : ITokenSource
{
    public Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(
            $"failed to fetch token: service account token projection is not available on this node yet (no TokenRequest API; issue 10) for pod {pod.Metadata?.NamespaceProperty}/{pod.Metadata?.Name} service account {pod.Spec?.ServiceAccountName ?? "default"}");
}
