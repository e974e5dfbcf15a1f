using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skiff.IO;

namespace Skiff.Certificates;

/// <summary>
/// Makes the cluster's certificates at first start and reuses them afterwards. The CA is never replaced
/// silently, because every kubeconfig and node trusts it; leaf certificates are re-issued when they are
/// missing, unreadable, no longer chain to the CA, expire within <see cref="RenewBefore"/>, or (serving
/// certificate) do not name every address the server is now reachable at.
/// </summary>
/// <remarks>
/// The CA files are cluster-wide: the server command keeps them in step with the datastore's bootstrap data
/// (<see cref="Bootstrap.ClusterBootstrap"/>) before <see cref="Ensure"/> runs, so every server of a cluster signs
/// with one CA. The serving and admin certificates are this server's own.
/// </remarks>
internal sealed partial class ClusterCertificateStore(TlsFiles files, CertificateFactory factory, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Leaf certificates closer than this to expiry are re-issued at start.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>The user of the admin client certificate.</summary>
    public const string AdminUser = "system:admin";

    /// <summary>The group of the admin client certificate; kube-apiserver's RBAC lets it do everything.</summary>
    public const string AdminGroup = "system:masters";

    private const string ServingCommonName = "kube-apiserver";

    private readonly TlsFiles _files = files;
    private readonly CertificateFactory _factory = factory;
    private readonly TimeProvider _timeProvider = timeProvider;
    private readonly ILogger _logger = logger;

    /// <summary>
    /// Creates the cluster CA's files when neither exists (the first start of a cluster); leaves existing files alone.
    /// The bootstrap step calls this for a cluster whose datastore holds no CA yet.
    /// </summary>
    public void EnsureCertificateAuthorityFiles()
    {
        SecureFile.EnsureDirectory(_files.Directory, SecureFile.PrivateDirectory);
        if (File.Exists(_files.CaCertificate) || File.Exists(_files.CaKey))
        {
            return;
        }

        using var created = _factory.CreateCertificateAuthority($"skiff-server-ca@{_timeProvider.GetUtcNow().ToUnixTimeSeconds()}");
        PemFiles.Save(created, _files.CaCertificate, _files.CaKey);
        LogCreatedCa(_logger, _files.CaCertificate);
    }

    /// <summary>Loads or creates the CA, serving and admin certificates. Throws <see cref="StartupException"/> when the CA on disk is unusable.</summary>
    public ClusterCertificates Ensure(ServingNames servingNames)
    {
        SecureFile.EnsureDirectory(_files.Directory, SecureFile.PrivateDirectory);

        var (ca, caIsNew) = LoadOrCreateCertificateAuthority();
        try
        {
            var serving = LoadOrCreateLeaf(
                "serving",
                _files.ServingCertificate,
                _files.ServingKey,
                caIsNew ? null : ca,
                KnownOids.ServerAuth,
                cert => servingNames.AreCoveredBy(cert) ? null : "it does not name every address of this server",
                () => _factory.CreateServingCertificate(ca, ServingCommonName, servingNames));
            var admin = LoadOrCreateLeaf(
                "admin client",
                _files.AdminCertificate,
                _files.AdminKey,
                caIsNew ? null : ca,
                KnownOids.ClientAuth,
                _ => null,
                () => _factory.CreateClientCertificate(ca, AdminUser, [AdminGroup]));
            return new ClusterCertificates(ca, serving, admin);
        }
        catch
        {
            ca.Dispose();
            throw;
        }
    }

    private (X509Certificate2 Ca, bool IsNew) LoadOrCreateCertificateAuthority()
    {
        var certExists = File.Exists(_files.CaCertificate);
        var keyExists = File.Exists(_files.CaKey);
        if (certExists != keyExists)
        {
            throw new StartupException(
                $"cluster CA is incomplete: {(certExists ? _files.CaKey : _files.CaCertificate)} is missing; restore it, or remove {_files.Directory} to make a new CA (every kubeconfig must then be replaced)");
        }

        if (!certExists)
        {
            var created = _factory.CreateCertificateAuthority($"skiff-server-ca@{_timeProvider.GetUtcNow().ToUnixTimeSeconds()}");
            PemFiles.Save(created, _files.CaCertificate, _files.CaKey);
            LogCreatedCa(_logger, _files.CaCertificate);
            return (created, true);
        }

        X509Certificate2 ca;
        try
        {
            ca = PemFiles.TryLoad(_files.CaCertificate, _files.CaKey)!;
        }
        catch (CryptographicException ex)
        {
            throw new StartupException($"cannot read the cluster CA from {_files.CaCertificate} and {_files.CaKey}: {ex.Message}", ex);
        }

        if (ca.NotAfter.ToUniversalTime() <= _timeProvider.GetUtcNow().UtcDateTime)
        {
            var notAfter = ca.NotAfter.ToUniversalTime();
            ca.Dispose();
            throw new StartupException($"the cluster CA in {_files.CaCertificate} expired on {notAfter:yyyy-MM-dd}; certificate rotation is not supported yet");
        }

        return (ca, false);
    }

    private X509Certificate2 LoadOrCreateLeaf(
        string purpose,
        string certificatePath,
        string keyPath,
        X509Certificate2? trustedCa,
        string extendedKeyUsage,
        Func<X509Certificate2, string?> extraCheck,
        Func<X509Certificate2> create)
    {
        // A null CA means the CA was just made: nothing on disk can chain to it.
        var reason = trustedCa is null ? "the cluster CA is new" : null;
        if (reason is null)
        {
            X509Certificate2? existing = null;
            try
            {
                existing = PemFiles.TryLoad(certificatePath, keyPath);
            }
            catch (CryptographicException ex)
            {
                reason = $"it cannot be read ({ex.Message})";
            }

            if (existing is not null)
            {
                reason = Check(existing, trustedCa!, extendedKeyUsage) ?? extraCheck(existing);
                if (reason is null)
                {
                    return existing;
                }

                existing.Dispose();
            }
            else
            {
                reason ??= "it does not exist";
            }
        }

        var created = create();
        PemFiles.Save(created, certificatePath, keyPath);
        LogIssued(_logger, purpose, certificatePath, reason);
        return created;
    }

    /// <summary>Returns why <paramref name="certificate"/> must be re-issued, or null when it is still good.</summary>
    private string? Check(X509Certificate2 certificate, X509Certificate2 ca, string extendedKeyUsage)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        if (certificate.NotAfter.ToUniversalTime() - now < RenewBefore)
        {
            return $"it expires on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(extendedKeyUsage));
        if (!chain.Build(certificate))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status));
            return $"it does not validate against the cluster CA ({status})";
        }

        return null;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Created the cluster CA {Path}")]
    private static partial void LogCreatedCa(ILogger logger, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Issued the {Purpose} certificate {Path} because {Reason}")]
    private static partial void LogIssued(ILogger logger, string purpose, string path, string reason);
}
