using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skiff.Certificates;
using Skiff.IO;

namespace Skiff.Join;

/// <summary>
/// A joined agent's credentials in <c>DATA/agent/tls</c>: the cluster CA it verified by the join token's hash, its
/// node client certificate (from the TLS bootstrap, renewed before expiry) and serving certificate (from a
/// kubelet-serving request), each with its key, and a random node id that tells this agent's Node apart from
/// another machine's that uses the same name.
/// </summary>
internal sealed class AgentIdentity(string directory, TimeProvider time)
{
    /// <summary>The fraction of a client certificate's lifetime after which it is renewed (the kubelet picks 70–90 %).</summary>
    public const double RenewAfter = 0.8;

    public string Directory { get; } = directory;

    public string CaCertificate => Path.Combine(Directory, "server-ca.crt");

    public string ClientCertificate => Path.Combine(Directory, "client-kubelet.crt");

    public string ClientKey => Path.Combine(Directory, "client-kubelet.key");

    public string ServingCertificate => Path.Combine(Directory, "serving-kubelet.crt");

    public string ServingKey => Path.Combine(Directory, "serving-kubelet.key");

    public string NodeIdPath => Path.Combine(Directory, "node-id");

    /// <summary>The key and name of a kubelet-serving request still waiting for approval.</summary>
    public string PendingServingKey => Path.Combine(Directory, "serving-kubelet.pending.key");

    public string PendingServingName => Path.Combine(Directory, "serving-kubelet.pending.csr");

    /// <summary>Remembers a serving request being waited for, so a restarted agent resumes it.</summary>
    public void SavePendingServing(string name, ECDsa key)
    {
        SecureFile.EnsureDirectory(Directory, SecureFile.PrivateDirectory);
        SecureFile.WriteAllText(PendingServingKey, key.ExportECPrivateKeyPem() + "\n", SecureFile.Private);
        SecureFile.WriteAllText(PendingServingName, name + "\n", SecureFile.Private);
    }

    /// <summary>The pending serving request's name and key, or null.</summary>
    public (string Name, ECDsa Key)? LoadPendingServing()
    {
        if (!File.Exists(PendingServingKey) || !File.Exists(PendingServingName))
        {
            return null;
        }

        try
        {
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(PendingServingKey));
            return (File.ReadAllText(PendingServingName).Trim(), key);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    public void ClearPendingServing()
    {
        File.Delete(PendingServingKey);
        File.Delete(PendingServingName);
    }

    /// <summary>When a certificate should be renewed: at <see cref="RenewAfter"/> of its lifetime.</summary>
    public static DateTimeOffset RenewAt(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return notBefore + ((notAfter - notBefore) * RenewAfter);
    }

    /// <summary>The stored CA when its hash is <paramref name="hash"/>; null otherwise (then it is fetched again).</summary>
    public X509Certificate2? LoadCa(string hash)
    {
        if (!File.Exists(CaCertificate))
        {
            return null;
        }

        try
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaCertificate));
            if (JoinToken.HashOf(ca) == hash)
            {
                return ca;
            }

            ca.Dispose();
        }
        catch (CryptographicException)
        {
        }

        return null;
    }

    public void SaveCa(X509Certificate2 ca)
    {
        SecureFile.EnsureDirectory(Directory, SecureFile.PrivateDirectory);
        SecureFile.WriteAllText(CaCertificate, ca.ExportCertificatePem() + "\n", SecureFile.Public);
    }

    /// <summary>
    /// The stored client certificate when it chains to <paramref name="ca"/>, names <paramref name="user"/> and has not
    /// expired, and (unless <paramref name="allowDue"/>) is not yet due for renewal; else null.
    /// </summary>
    public X509Certificate2? LoadClient(X509Certificate2 ca, string user, bool allowDue) => LoadValid(ClientCertificate, ClientKey, ca, KnownOids.ClientAuth,
        cert => cert.GetNameInfo(X509NameType.SimpleName, false) == user
            && (allowDue ? cert.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime : RenewAt(cert) > time.GetUtcNow()));

    /// <summary>The stored serving certificate when it chains to <paramref name="ca"/> and has not expired; else null.</summary>
    public X509Certificate2? LoadServing(X509Certificate2 ca) => LoadValid(ServingCertificate, ServingKey, ca, KnownOids.ServerAuth,
        cert => cert.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime);

    /// <summary>Writes a certificate (PEM) with its key; the key first, so a crash never leaves a certificate without its key.</summary>
    public static X509Certificate2 Save(string certificatePath, string keyPath, byte[] certificatePem, ECDsa key)
    {
        SecureFile.EnsureDirectory(Path.GetDirectoryName(certificatePath)!, SecureFile.PrivateDirectory);
        SecureFile.WriteAllText(keyPath, key.ExportECPrivateKeyPem() + "\n", SecureFile.Private);
        SecureFile.WriteAllText(certificatePath, System.Text.Encoding.ASCII.GetString(certificatePem), SecureFile.Public);
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }

    /// <summary>This agent's node id, made at first use.</summary>
    public string NodeId()
    {
        if (File.Exists(NodeIdPath) && File.ReadAllText(NodeIdPath).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }

        SecureFile.EnsureDirectory(Directory, SecureFile.PrivateDirectory);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        SecureFile.WriteAllText(NodeIdPath, id + "\n", SecureFile.Private);
        return id;
    }

    private X509Certificate2? LoadValid(string certificatePath, string keyPath, X509Certificate2 ca, string usage, Func<X509Certificate2, bool> check)
    {
        X509Certificate2? certificate;
        try
        {
            certificate = PemFiles.TryLoad(certificatePath, keyPath);
        }
        catch (CryptographicException)
        {
            return null;
        }

        if (certificate is null)
        {
            return null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        if (chain.Build(certificate) && check(certificate))
        {
            return certificate;
        }

        certificate.Dispose();
        return null;
    }
}
