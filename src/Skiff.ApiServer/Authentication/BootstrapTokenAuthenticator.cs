using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Skiff.ApiServer.Authentication;

/// <summary>
/// kube-apiserver's bootstrap token authenticator (plugin/pkg/auth/authenticator/token/bootstrap): a bearer token
/// <c>&lt;id&gt;.&lt;secret&gt;</c> is valid while the Secret <c>kube-system/bootstrap-token-&lt;id&gt;</c> of type
/// <c>bootstrap.kubernetes.io/token</c> holds the same id and secret, allows authentication, is not being deleted
/// and has not expired. The user is <c>system:bootstrap:&lt;id&gt;</c> in <c>system:bootstrappers</c> plus the
/// secret's <c>auth-extra-groups</c>. Thread-safe.
/// </summary>
internal sealed partial class BootstrapTokenAuthenticator(IBootstrapTokenSecrets secrets, TimeProvider time)
{
    public const string SecretType = "bootstrap.kubernetes.io/token";
    public const string SecretPrefix = "bootstrap-token-";
    public const string UserPrefix = "system:bootstrap:";
    public const string BootstrappersGroup = "system:bootstrappers";
    public const string TokenIdKey = "token-id";
    public const string TokenSecretKey = "token-secret";
    public const string ExpirationKey = "expiration";
    public const string UsageAuthenticationKey = "usage-bootstrap-authentication";
    public const string ExtraGroupsKey = "auth-extra-groups";

    /// <summary>Whether <paramref name="token"/> has the bootstrap token shape (<c>[a-z0-9]{6}.[a-z0-9]{16}</c>).</summary>
    public static bool LooksLikeBootstrapToken(string token) => TokenPattern().IsMatch(token);

    /// <summary>Whether <paramref name="group"/> may be an extra group of a bootstrap token (ValidateBootstrapGroupName).</summary>
    public static bool IsValidExtraGroup(string group) => GroupPattern().IsMatch(group);

    /// <summary>The user for a valid token; null (a 401) for a token that does not check out.</summary>
    public UserInfo? Authenticate(string token)
    {
        var match = TokenPattern().Match(token);
        if (!match.Success)
        {
            return null;
        }

        var id = match.Groups[1].Value;
        var secret = secrets.Get(SecretPrefix + id);
        if (secret is null || secret.Metadata.DeletionTimestamp is not null || secret.Type != SecretType)
        {
            return null;
        }

        if (Value(secret, TokenIdKey) != id
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Value(secret, TokenSecretKey) ?? ""), Encoding.UTF8.GetBytes(match.Groups[2].Value)))
        {
            return null;
        }

        if (IsExpired(secret, time.GetUtcNow()))
        {
            return null;
        }

        if (Value(secret, UsageAuthenticationKey) != "true")
        {
            return null;
        }

        var groups = new List<string> { BootstrappersGroup };
        foreach (var extra in (Value(secret, ExtraGroupsKey) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IsValidExtraGroup(extra))
            {
                // A malformed group list makes the whole token unusable, as in Kubernetes.
                return null;
            }

            if (!groups.Contains(extra))
            {
                groups.Add(extra);
            }
        }

        groups.Add("system:authenticated");
        return new UserInfo(UserPrefix + id, string.Empty, groups);
    }

    /// <summary>Whether the secret's <c>expiration</c> (RFC 3339) has passed; an unparseable expiration counts as expired.</summary>
    public static bool IsExpired(V1Secret secret, DateTimeOffset now)
    {
        var expiration = Value(secret, ExpirationKey);
        if (string.IsNullOrEmpty(expiration))
        {
            return false;
        }

        return !DateTimeOffset.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) || when <= now;
    }

    private static string? Value(V1Secret secret, string key) =>
        secret.Data is { } data && data.TryGetValue(key, out var bytes) && bytes is not null ? Encoding.UTF8.GetString(bytes) : null;

    [GeneratedRegex("^([a-z0-9]{6})\\.([a-z0-9]{16})$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$")]
    private static partial Regex GroupPattern();
}
