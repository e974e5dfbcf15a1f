using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Skiff.IO;

namespace Skiff.Tokens;

/// <summary>
/// The key that signs service-account tokens (kube-apiserver's --service-account-signing-key-file), an ECDSA P-256
/// key in PEM at <c>DATA/server/tls/service.key</c>, created at first start and kept across restarts so tokens
/// already handed out stay valid.
/// </summary>
internal static partial class ServiceAccountKey
{
    public const string FileName = "service.key";

    /// <summary>Loads the key from <paramref name="path"/>, creating it owner-only when it does not exist.</summary>
    public static ECDsa Ensure(string path, ILogger logger)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(path))
        {
            try
            {
                key.ImportFromPem(File.ReadAllText(path));
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                key.Dispose();
                throw new StartupException($"the service-account signing key {path} is not a PEM ECDSA key: {ex.Message}; restore it or remove it (tokens already issued stop working)", ex);
            }

            if (key.KeySize != 256)
            {
                key.Dispose();
                throw new StartupException($"the service-account signing key {path} is not a P-256 key");
            }

            return key;
        }

        SecureFile.WriteAllText(path, key.ExportECPrivateKeyPem() + "\n", SecureFile.Private);
        LogCreated(logger, path);
        return key;
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Created the service-account signing key {Path}")]
    private static partial void LogCreated(ILogger logger, string path);
}
