using k8s.Models;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Issues service-account tokens for projected <c>serviceAccountToken</c> sources (the kubelet's token manager, which
/// calls the TokenRequest API). Implementations cache and refresh tokens; a failure throws with a message naming the
/// cause, which becomes the volume's FailedMount message.
/// </summary>
internal interface ITokenSource
{
    /// <summary>A token for <paramref name="pod"/>'s service account, bound to the pod.</summary>
    /// <param name="audience">The token's audience; null or empty means the API server's.</param>
    /// <param name="expirationSeconds">Requested lifetime (the API defaults it to 3600).</param>
    Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken cancellationToken);
}
