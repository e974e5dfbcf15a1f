using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>
/// Signs and verifies service-account JWTs as compact JWS with ES256 (ECDSA P-256, SHA-256, IEEE P1363 signature),
/// the algorithm kube-apiserver uses for an EC signing key. The key id (<c>kid</c>) is the base64url SHA-256 of the
/// public key's SubjectPublicKeyInfo, as kube-apiserver computes it. Verification checks only the signature and the
/// structure; <see cref="ServiceAccountTokenValidator"/> checks issuer, audience, time and bindings. Thread-safe.
/// </summary>
public sealed class ServiceAccountTokenCodec
{
    private const string Algorithm = "ES256";
    private readonly ECDsa _key;
    private readonly string _header;

    /// <summary>Wraps a P-256 key; the private part is needed to sign, the public part to verify.</summary>
    public ServiceAccountTokenCodec(ECDsa key)
    {
        if (key.KeySize != 256)
        {
            throw new ArgumentException("the service-account signing key must be an ECDSA P-256 key", nameof(key));
        }

        _key = key;
        KeyId = Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        _header = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["alg"] = Algorithm, ["kid"] = KeyId }));
    }

    public string KeyId { get; }

    /// <summary>The compact JWS of the claims.</summary>
    public string Sign(ServiceAccountClaims claims)
    {
        var k8s = new JsonObject
        {
            ["namespace"] = claims.Namespace,
            ["serviceaccount"] = Ref(claims.ServiceAccount),
        };
        if (claims.Pod is { } pod)
        {
            k8s["pod"] = Ref(pod);
        }

        if (claims.Secret is { } secret)
        {
            k8s["secret"] = Ref(secret);
        }

        if (claims.Node is { } node)
        {
            k8s["node"] = Ref(node);
        }

        if (claims.WarnAfter is { } warn)
        {
            k8s["warnafter"] = warn.ToUnixTimeSeconds();
        }

        var payload = new JsonObject
        {
            ["aud"] = new JsonArray([.. claims.Audiences.Select(a => (JsonNode)a)]),
            ["exp"] = claims.Expires.ToUnixTimeSeconds(),
            ["iat"] = claims.IssuedAt.ToUnixTimeSeconds(),
            ["iss"] = claims.Issuer,
            ["jti"] = claims.Id,
            ["kubernetes.io"] = k8s,
            ["nbf"] = claims.NotBefore.ToUnixTimeSeconds(),
            ["sub"] = claims.Subject,
        };
        return SignPayload(payload);
    }

    /// <summary>
    /// A legacy token for a Secret of type <c>kubernetes.io/service-account-token</c>, as kube-controller-manager's
    /// tokens controller writes it: issuer <c>kubernetes/serviceaccount</c>, the flat
    /// <c>kubernetes.io/serviceaccount/*</c> claims, no audience and no expiry (it lives as long as its Secret).
    /// </summary>
    public string SignLegacy(string ns, string serviceAccountName, string serviceAccountUid, string secretName)
    {
        var payload = new JsonObject
        {
            ["iss"] = LegacyIssuer,
            [LegacyClaimPrefix + "namespace"] = ns,
            [LegacyClaimPrefix + "secret.name"] = secretName,
            [LegacyClaimPrefix + "service-account.name"] = serviceAccountName,
            [LegacyClaimPrefix + "service-account.uid"] = serviceAccountUid,
            ["sub"] = $"system:serviceaccount:{ns}:{serviceAccountName}",
        };
        return SignPayload(payload);
    }

    /// <summary>The issuer of legacy Secret-based tokens.</summary>
    public const string LegacyIssuer = "kubernetes/serviceaccount";

    private const string LegacyClaimPrefix = "kubernetes.io/serviceaccount/";

    private string SignPayload(JsonObject payload)
    {
        var signingInput = _header + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// Whether the token looks like a JWT at all (three base64url parts, a JSON header with <c>alg</c>), so other
    /// bearer tokens are left to the other authenticators, as kube-apiserver's JWT authenticator does.
    /// </summary>
    public static bool LooksLikeJwt(string token)
    {
        var parts = token.Split('.');
        return parts.Length == 3 && TryDecodeJson(parts[0]) is JsonObject header && header["alg"] is not null;
    }

    /// <summary>The claims when the signature is ours and valid and the payload is well-formed; null otherwise.</summary>
    public ServiceAccountClaims? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || TryDecodeJson(parts[0]) is not JsonObject header)
        {
            return null;
        }

        // Only ES256 is accepted: a token naming "none" or an HMAC algorithm must not get past the signature check.
        if (header["alg"]?.GetValueKind() != JsonValueKind.String || header["alg"]!.GetValue<string>() != Algorithm)
        {
            return null;
        }

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return null;
        }

        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (signature.Length != 64 || !_key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return null;
        }

        return TryDecodeJson(parts[1]) is JsonObject payload ? Parse(payload) : null;
    }

    private static ServiceAccountClaims? Parse(JsonObject payload)
    {
        try
        {
            if (payload["iss"]?.GetValue<string>() == LegacyIssuer)
            {
                return ParseLegacy(payload);
            }

            var k8s = payload["kubernetes.io"] as JsonObject;
            var ns = k8s?["namespace"]?.GetValue<string>();
            var sa = ParseRef(k8s?["serviceaccount"]);
            var iss = payload["iss"]?.GetValue<string>();
            var jti = payload["jti"]?.GetValue<string>() ?? "";
            if (k8s is null || ns is null || sa is null || iss is null || payload["exp"] is null)
            {
                return null;
            }

            IReadOnlyList<string> audiences = payload["aud"] switch
            {
                JsonArray a => a.Select(n => n!.GetValue<string>()).ToList(),
                JsonValue v => [v.GetValue<string>()],
                _ => [],
            };
            return new ServiceAccountClaims
            {
                Issuer = iss,
                Namespace = ns,
                ServiceAccount = sa,
                Audiences = audiences,
                Expires = DateTimeOffset.FromUnixTimeSeconds(payload["exp"]!.GetValue<long>()),
                IssuedAt = DateTimeOffset.FromUnixTimeSeconds(payload["iat"]?.GetValue<long>() ?? 0),
                NotBefore = DateTimeOffset.FromUnixTimeSeconds(payload["nbf"]?.GetValue<long>() ?? 0),
                Id = jti,
                Pod = ParseRef(k8s["pod"]),
                Secret = ParseRef(k8s["secret"]),
                Node = ParseRef(k8s["node"]),
                WarnAfter = k8s["warnafter"] is { } w ? DateTimeOffset.FromUnixTimeSeconds(w.GetValue<long>()) : null,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            // A claim of the wrong JSON type: signed by us, so not expected, but never a 500.
            return null;
        }
    }

    private static ServiceAccountClaims? ParseLegacy(JsonObject payload)
    {
        var ns = payload[LegacyClaimPrefix + "namespace"]?.GetValue<string>();
        var secret = payload[LegacyClaimPrefix + "secret.name"]?.GetValue<string>();
        var sa = payload[LegacyClaimPrefix + "service-account.name"]?.GetValue<string>();
        var uid = payload[LegacyClaimPrefix + "service-account.uid"]?.GetValue<string>();
        if (ns is null || secret is null || sa is null || uid is null)
        {
            return null;
        }

        return new ServiceAccountClaims
        {
            Issuer = LegacyIssuer,
            Namespace = ns,
            ServiceAccount = new BoundRef(sa, uid),
            Audiences = [],
            Expires = DateTimeOffset.MaxValue,
            IssuedAt = DateTimeOffset.UnixEpoch,
            NotBefore = DateTimeOffset.UnixEpoch,
            Id = "",
            Secret = new BoundRef(secret, ""),
            Legacy = true,
        };
    }

    private static BoundRef? ParseRef(JsonNode? node) =>
        node is JsonObject o && o["name"]?.GetValue<string>() is { } name ? new BoundRef(name, o["uid"]?.GetValue<string>() ?? "") : null;

    private static JsonObject Ref(BoundRef r) => new() { ["name"] = r.Name, ["uid"] = r.Uid };

    private static JsonNode? TryDecodeJson(string part)
    {
        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(part));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
