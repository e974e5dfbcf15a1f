namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>A reference to an object a token is bound to (the <c>kubernetes.io</c> claim's pod, secret, node or serviceaccount).</summary>
public sealed record BoundRef(string Name, string Uid);

/// <summary>
/// The claims of a service-account JWT, with the names kube-apiserver's token generator gives them
/// (pkg/serviceaccount/claims.go): registered claims plus the private <c>kubernetes.io</c> claim.
/// </summary>
public sealed record ServiceAccountClaims
{
    public required string Issuer { get; init; }

    public required string Namespace { get; init; }

    public required BoundRef ServiceAccount { get; init; }

    public required IReadOnlyList<string> Audiences { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset NotBefore { get; init; }

    public required DateTimeOffset Expires { get; init; }

    /// <summary>The token id (<c>jti</c>), a fresh UUID per token.</summary>
    public required string Id { get; init; }

    public BoundRef? Pod { get; init; }

    public BoundRef? Secret { get; init; }

    public BoundRef? Node { get; init; }

    /// <summary>When a client should refresh a token that was given a longer life than asked for; null when not.</summary>
    public DateTimeOffset? WarnAfter { get; init; }

    /// <summary>A legacy Secret-based token (no audience, no expiry; valid while its Secret holds it).</summary>
    public bool Legacy { get; init; }

    /// <summary>The <c>sub</c> claim and the user name: <c>system:serviceaccount:NAMESPACE:NAME</c>.</summary>
    public string Subject => $"system:serviceaccount:{Namespace}:{ServiceAccount.Name}";

    /// <summary>
    /// The user's extra attributes kube-apiserver's service-account authenticator derives from these claims: the
    /// token id as credential-id, and the pod and node a bound token names. A legacy Secret-based token has none.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UserExtra()
    {
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (Legacy)
        {
            return extra;
        }

        if (Id.Length > 0)
        {
            extra["authentication.kubernetes.io/credential-id"] = [$"JTI={Id}"];
        }

        if (Pod is { } pod)
        {
            extra["authentication.kubernetes.io/pod-name"] = [pod.Name];
            extra["authentication.kubernetes.io/pod-uid"] = [pod.Uid];
        }

        if (Node is { } node)
        {
            extra["authentication.kubernetes.io/node-name"] = [node.Name];
            extra["authentication.kubernetes.io/node-uid"] = [node.Uid];
        }

        return extra;
    }
}
