using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skiff.IO;

namespace Skiff.Certificates;

/// <summary>Reads and writes a certificate and its private key as a pair of PEM files.</summary>
internal static class PemFiles
{
    /// <summary>Writes the certificate (world-readable) and its EC private key (owner-only).</summary>
    public static void Save(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException($"certificate {certificate.Subject} has no ECDSA private key");

        // The key goes first: a certificate without its key on disk would be unusable after a crash.
        SecureFile.WriteAllText(keyPath, key.ExportECPrivateKeyPem() + "\n", SecureFile.Private);
        SecureFile.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n", SecureFile.Public);
    }

    /// <summary>
    /// Loads a certificate with its key; null when either file is absent. Throws
    /// <see cref="CryptographicException"/> when a file exists but does not parse or the key does not match.
    /// </summary>
    public static X509Certificate2? TryLoad(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }
}
