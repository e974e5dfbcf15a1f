namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>
/// kube-apiserver's service-account token authenticator (pkg/serviceaccount/jwt.go and the legacy/bound validators):
/// the signature must be ours, the issuer ours, one audience shared with the accepted audiences, the token inside
/// nbf..exp, and the service account and any bound pod, secret or node must still exist with the uid the token
/// names, so deleting a pod revokes every token bound to it. Thread-safe.
/// </summary>
public sealed class ServiceAccountTokenValidator(ServiceAccountTokenCodec codec, string issuer, IReadOnlyList<string> apiAudiences, IBoundObjects objects, TimeProvider time)
{
    /// <summary>The audiences a token must share one of when the caller names none (the API server's own).</summary>
    public IReadOnlyList<string> ApiAudiences { get; } = apiAudiences;

    /// <summary>Checks a bearer token against <paramref name="audiences"/> (null: the API server's audiences).</summary>
    public TokenValidation Validate(string token, IReadOnlyList<string>? audiences = null)
    {
        if (codec.Verify(token) is not { } claims)
        {
            return TokenValidation.Fail("invalid bearer token, the signature or structure of the token is not valid");
        }

        if (claims.Legacy)
        {
            return ValidateLegacy(token, claims, audiences);
        }

        if (claims.Issuer != issuer)
        {
            return TokenValidation.Fail("invalid bearer token, token issuer is not trusted");
        }

        var wanted = audiences is { Count: > 0 } ? audiences : ApiAudiences;
        var shared = claims.Audiences.Where(wanted.Contains).Distinct(StringComparer.Ordinal).ToList();
        if (shared.Count == 0)
        {
            return TokenValidation.Fail($"invalid bearer token, token audiences [{string.Join(' ', claims.Audiences)}] is invalid for the target audiences [{string.Join(' ', wanted)}]");
        }

        var now = time.GetUtcNow();
        if (now >= claims.Expires)
        {
            return TokenValidation.Fail("invalid bearer token, service account token has expired");
        }

        if (now < claims.NotBefore)
        {
            return TokenValidation.Fail("invalid bearer token, service account token is not valid yet");
        }

        if (Stale("ServiceAccount", claims.Namespace, claims.ServiceAccount) is { } saError)
        {
            return TokenValidation.Fail(saError);
        }

        if (claims.Pod is { } pod && Stale("Pod", claims.Namespace, pod) is { } podError)
        {
            return TokenValidation.Fail(podError);
        }

        if (claims.Secret is { } secret && Stale("Secret", claims.Namespace, secret) is { } secretError)
        {
            return TokenValidation.Fail(secretError);
        }

        // A node named only alongside a pod is informational (the pod check covers it); a token bound to a node alone must see it.
        if (claims.Node is { } node && claims.Pod is null && Stale("Node", null, node) is { } nodeError)
        {
            return TokenValidation.Fail(nodeError);
        }

        var user = new UserInfo(claims.Subject, claims.ServiceAccount.Uid,
            ["system:serviceaccounts", $"system:serviceaccounts:{claims.Namespace}", "system:authenticated"])
        {
            Extra = claims.UserExtra(),
        };
        return new TokenValidation(user, shared, null, claims);
    }

    /// <summary>
    /// kube-apiserver's legacy validator: a Secret-based token carries no audience, so it counts for the API server's
    /// own audiences only; it is good while its Secret exists and holds exactly this token and its service account
    /// exists with the uid the token names.
    /// </summary>
    private TokenValidation ValidateLegacy(string token, ServiceAccountClaims claims, IReadOnlyList<string>? audiences)
    {
        var shared = audiences is { Count: > 0 } ? audiences.Where(ApiAudiences.Contains).Distinct(StringComparer.Ordinal).ToList() : [.. ApiAudiences];
        if (shared.Count == 0)
        {
            return TokenValidation.Fail($"invalid bearer token, token audiences [{string.Join(' ', ApiAudiences)}] is invalid for the target audiences [{string.Join(' ', audiences!)}]");
        }

        var secret = objects.Secret(claims.Namespace, claims.Secret!.Name);
        if (secret is null || secret.Metadata.DeletionTimestamp is not null
            || secret.Metadata.Labels?.ContainsKey("kubernetes.io/legacy-token-invalid-since") == true)
        {
            return TokenValidation.Fail("invalid bearer token, Token has been invalidated");
        }

        if (secret.Data is null || !secret.Data.TryGetValue("token", out var stored) || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(stored, System.Text.Encoding.UTF8.GetBytes(token)))
        {
            return TokenValidation.Fail("invalid bearer token, Token does not match server's copy");
        }

        var uid = objects.Uid("ServiceAccount", claims.Namespace, claims.ServiceAccount.Name);
        if (uid is null)
        {
            return TokenValidation.Fail($"invalid bearer token, ServiceAccount {claims.Namespace}/{claims.ServiceAccount.Name} has been deleted");
        }

        if (uid != claims.ServiceAccount.Uid)
        {
            return TokenValidation.Fail($"invalid bearer token, ServiceAccount UID ({uid}) does not match claim ({claims.ServiceAccount.Uid})");
        }

        var user = new UserInfo(claims.Subject, claims.ServiceAccount.Uid,
            ["system:serviceaccounts", $"system:serviceaccounts:{claims.Namespace}", "system:authenticated"]);
        return new TokenValidation(user, shared, null, claims);
    }

    private string? Stale(string kind, string? ns, BoundRef bound)
    {
        var uid = objects.Uid(kind, ns, bound.Name);
        var what = ns is null ? $"{kind} {bound.Name}" : $"{kind} {ns}/{bound.Name}";
        if (uid is null)
        {
            return $"invalid bearer token, {what} has been deleted";
        }

        return bound.Uid.Length > 0 && uid != bound.Uid
            ? $"invalid bearer token, {what} UID ({uid}) does not match the token's claim ({bound.Uid})"
            : null;
    }
}
