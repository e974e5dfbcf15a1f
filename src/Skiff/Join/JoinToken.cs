using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Skiff.Join;

/// <summary>
/// The token an agent joins with: <c>K10&lt;hex SHA-256 of the cluster CA certificate (DER)&gt;::&lt;id&gt;.&lt;secret&gt;</c>,
/// k3s's "secure" token format carrying a kubeadm bootstrap token, so one string both authenticates the agent and
/// tells it which CA to trust. A bare <c>&lt;id&gt;.&lt;secret&gt;</c> works with the CA hash given separately
/// (<c>--ca-cert-hash sha256:HEX</c>, as kubeadm join takes it).
/// </summary>
internal sealed partial record JoinToken(string Id, string Secret, string? CaHash)
{
    public const string Prefix = "K10";

    /// <summary>The bearer token the API server authenticates (<c>id.secret</c>).</summary>
    public string BearerToken => $"{Id}.{Secret}";

    /// <summary>A new random bootstrap token id and secret (lower-case letters and digits, as Kubernetes generates them).</summary>
    public static JoinToken Generate(string caHash)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return new JoinToken(
            new string(RandomNumberGenerator.GetItems<char>(alphabet, 6)),
            new string(RandomNumberGenerator.GetItems<char>(alphabet, 16)),
            caHash);
    }

    /// <summary>The hex SHA-256 of the CA certificate's DER encoding.</summary>
    public static string HashOf(X509Certificate2 ca) => Convert.ToHexStringLower(SHA256.HashData(ca.RawData));

    /// <summary>The printable form: with the CA hash when known.</summary>
    public override string ToString() => CaHash is null ? BearerToken : $"{Prefix}{CaHash}::{BearerToken}";

    /// <summary>
    /// Parses <c>K10HASH::id.secret</c> or <c>id.secret</c>; <paramref name="caCertHash"/> (<c>sha256:HEX</c>) supplies or
    /// must match the hash. Returns null with <paramref name="error"/> saying what is wrong.
    /// </summary>
    public static JoinToken? TryParse(string text, string? caCertHash, out string error)
    {
        error = "";
        string? hash = null;
        var bearer = text.Trim();
        if (bearer.StartsWith(Prefix, StringComparison.Ordinal) && bearer.Contains("::", StringComparison.Ordinal))
        {
            var split = bearer.IndexOf("::", StringComparison.Ordinal);
            hash = bearer[Prefix.Length..split].ToLowerInvariant();
            bearer = bearer[(split + 2)..];
            if (!HexHash().IsMatch(hash))
            {
                error = "the CA hash in the token is not 64 hexadecimal digits";
                return null;
            }
        }

        if (caCertHash is { Length: > 0 })
        {
            var given = caCertHash.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? caCertHash[7..].ToLowerInvariant() : null;
            if (given is null || !HexHash().IsMatch(given))
            {
                error = "--ca-cert-hash must be sha256: followed by 64 hexadecimal digits";
                return null;
            }

            if (hash is not null && hash != given)
            {
                error = "--ca-cert-hash does not match the CA hash in the token";
                return null;
            }

            hash = given;
        }

        var match = BearerPattern().Match(bearer);
        if (!match.Success)
        {
            error = "the token is not of the form K10<CA hash>::<id>.<secret> or <id>.<secret> (id: 6 and secret: 16 lower-case letters or digits)";
            return null;
        }

        if (hash is null)
        {
            error = "the token carries no CA hash: use the K10... token `skiff token create` prints, or pass --ca-cert-hash sha256:<hash>";
            return null;
        }

        return new JoinToken(match.Groups[1].Value, match.Groups[2].Value, hash);
    }

    [GeneratedRegex("^([a-z0-9]{6})\\.([a-z0-9]{16})$")]
    private static partial Regex BearerPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexHash();
}
