using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Skiff.IO;

namespace Skiff.Tokens;

/// <summary>
/// The server's secrets that are tokens: the server token (the shared secret agents and other servers
/// will join with; DESIGN.md derives the key that encrypts cluster secrets in the datastore from it) and
/// the static token file of bearer tokens the API server accepts.
/// </summary>
/// <remarks>
/// Both live on disk, owner-only, under DATA/server. The token file is per server; the static token file is
/// cluster-wide and kept in step with the datastore's bootstrap data (see <see cref="Bootstrap.ClusterSecretFiles"/>).
/// </remarks>
internal sealed partial class ServerTokens(string serverDirectory, ILogger logger)
{
    /// <summary>The user id written for the admin token; kube-apiserver treats uids in token files as opaque.</summary>
    public const string AdminUid = "admin";

    private readonly ILogger _logger = logger;

    /// <summary>The server token file, <c>DATA/server/token</c>.</summary>
    public string ServerTokenPath { get; } = Path.Combine(serverDirectory, "token");

    /// <summary>The static token file, <c>DATA/server/tokens.csv</c>, in <c>--token-auth-file</c> format.</summary>
    public string TokenFilePath { get; } = Path.Combine(serverDirectory, "tokens.csv");

    /// <summary>
    /// Returns the server token, creating it at first start from <paramref name="requested"/> (the
    /// <c>--token</c> flag) or at random. A <paramref name="requested"/> token that differs from the stored
    /// one is an error: the server was set up with another secret, and agents joined with it.
    /// </summary>
    public string EnsureServerToken(string? requested)
    {
        var (token, isNew) = ResolveServerToken(requested);
        if (isNew)
        {
            SaveServerToken(token);
        }

        return token;
    }

    /// <summary>
    /// The token this server runs with, without writing anything: the stored one (which <paramref name="requested"/>
    /// must match), else <paramref name="requested"/>, else a new random one (<c>IsNew</c>: not stored yet). The server
    /// stores a new token only once it has joined the cluster with it, so a start with a wrong token leaves nothing behind.
    /// </summary>
    public (string Token, bool IsNew) ResolveServerToken(string? requested)
    {
        if (requested is not null && (requested.Length == 0 || requested.Any(char.IsWhiteSpace)))
        {
            throw new StartupException("--token must be non-empty and contain no whitespace");
        }

        if (File.Exists(ServerTokenPath))
        {
            var stored = File.ReadAllText(ServerTokenPath).Trim();
            if (stored.Length == 0)
            {
                throw new StartupException($"the server token file {ServerTokenPath} is empty; restore it or remove it to make a new token");
            }

            if (requested is not null && !CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.UTF8.GetBytes(stored), System.Text.Encoding.UTF8.GetBytes(requested)))
            {
                throw new StartupException($"--token does not match the token this server was set up with ({ServerTokenPath})");
            }

            return (stored, false);
        }

        return (requested ?? NewToken(), true);
    }

    /// <summary>Stores <paramref name="token"/> as this server's token (owner-only).</summary>
    public void SaveServerToken(string token)
    {
        SecureFile.WriteAllText(ServerTokenPath, token + "\n", SecureFile.Private);
        LogCreatedServerToken(_logger, ServerTokenPath);
    }

    /// <summary>
    /// Reads the static token file, creating it at first start with one entry: a random token for
    /// <c>system:admin</c> in <c>system:masters</c>. Later edits by the operator are kept as they are.
    /// </summary>
    public IReadOnlyList<TokenFileEntry> EnsureTokenFile()
    {
        if (!File.Exists(TokenFilePath))
        {
            var admin = new TokenFileEntry(NewToken(), Certificates.ClusterCertificateStore.AdminUser, AdminUid, [Certificates.ClusterCertificateStore.AdminGroup]);
            SecureFile.WriteAllText(TokenFilePath, TokenFile.Format([admin]), SecureFile.Private);
            LogCreatedTokenFile(_logger, TokenFilePath);
        }

        try
        {
            return TokenFile.Parse(File.ReadAllText(TokenFilePath), TokenFilePath);
        }
        catch (FormatException ex)
        {
            throw new StartupException(ex.Message, ex);
        }
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Created the server token {Path}")]
    private static partial void LogCreatedServerToken(ILogger logger, string path);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Created the static token file {Path} with an admin token")]
    private static partial void LogCreatedTokenFile(ILogger logger, string path);
}
