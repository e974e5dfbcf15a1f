using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Skiff.IO;

namespace Skiff.Encryption;

/// <summary>
/// The cluster's encryption-at-rest key: 32 random bytes, base64 in <c>DATA/server/tls/encryption.key</c> next to the
/// cluster CA key, created owner-only at first start. Like the CA and service-account keys it is a cluster-wide secret:
/// every server on one datastore needs the same file, or it cannot read the Secrets the others wrote.
/// </summary>
internal static partial class EncryptionKeyFile
{
    public const string FileName = "encryption.key";

    /// <summary>The key name in stored values' prefix (<c>k8s:enc:aesgcm:v1:skiff-default:</c>).</summary>
    public const string KeyName = "skiff-default";

    /// <summary>Loads the key from <paramref name="path"/>, creating it when it does not exist.</summary>
    public static byte[] Ensure(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            }
            catch (FormatException ex)
            {
                throw new StartupException($"the encryption key {path} is not base64: {ex.Message}; restore it (Secrets written with it cannot be read without it)", ex);
            }

            if (key.Length != 32)
            {
                throw new StartupException($"the encryption key {path} holds {key.Length} bytes, not 32; restore it (Secrets written with it cannot be read without it)");
            }

            return key;
        }

        var created = RandomNumberGenerator.GetBytes(32);
        SecureFile.WriteAllText(path, Convert.ToBase64String(created) + "\n", SecureFile.Private);
        LogCreated(logger, path);
        return created;
    }

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Created the encryption-at-rest key {Path}")]
    private static partial void LogCreated(ILogger logger, string path);
}
