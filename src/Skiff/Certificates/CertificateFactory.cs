using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.Certificates;

/// <summary>
/// Issues the cluster's certificates with ECDSA P-256 and SHA-256: a self-signed CA, serving certificates
/// and client certificates signed by it. Subjects and extensions follow what kubeadm and k3s issue, so Go's
/// TLS stack (kubectl) and .NET's accept them.
/// </summary>
internal sealed class CertificateFactory(TimeProvider timeProvider)
{
    /// <summary>How long the cluster CA is valid.</summary>
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);

    /// <summary>How long serving and client certificates are valid.</summary>
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(365);

    // Backdating NotBefore tolerates clocks of other machines (and containers) that run slightly behind.
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private readonly TimeProvider _timeProvider = timeProvider;

    /// <summary>Creates a self-signed CA certificate with its private key.</summary>
    public X509Certificate2 CreateCertificateAuthority(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = _timeProvider.GetUtcNow();
        return request.CreateSelfSigned(now - Backdate, now + CaLifetime);
    }

    /// <summary>Creates a TLS server certificate for <paramref name="names"/>, signed by <paramref name="ca"/>.</summary>
    public X509Certificate2 CreateServingCertificate(X509Certificate2 ca, string commonName, ServingNames names)
    {
        var sans = new SubjectAlternativeNameBuilder();
        foreach (var dns in names.DnsNames)
        {
            sans.AddDnsName(dns);
        }

        foreach (var ip in names.IpAddresses)
        {
            sans.AddIpAddress(ip);
        }

        return CreateLeaf(ca, new X500DistinguishedName($"CN={commonName}"), KnownOids.ServerAuth, sans.Build(critical: false));
    }

    /// <summary>
    /// Creates a TLS client certificate signed by <paramref name="ca"/>; the API server reads the user name
    /// from CN and the groups from O, as kube-apiserver's x509 authenticator does.
    /// </summary>
    public X509Certificate2 CreateClientCertificate(X509Certificate2 ca, string user, IReadOnlyList<string> groups)
    {
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            subject.AddOrganizationName(group);
        }

        subject.AddCommonName(user);
        return CreateLeaf(ca, subject.Build(), KnownOids.ClientAuth, sanExtension: null);
    }

    private X509Certificate2 CreateLeaf(X509Certificate2 ca, X500DistinguishedName subject, string extendedKeyUsage, X509Extension? sanExtension)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedKeyUsage)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (sanExtension is not null)
        {
            request.CertificateExtensions.Add(sanExtension);
        }

        var now = _timeProvider.GetUtcNow();
        var notAfter = now + LeafLifetime;
        if (notAfter > ca.NotAfter)
        {
            // A leaf may not outlive its issuer; near the CA's end of life the leaf is shortened instead.
            notAfter = ca.NotAfter;
        }

        using var signed = request.Create(ca, now - Backdate, notAfter, NewSerialNumber());
        return signed.CopyWithPrivateKey(key);
    }

    private static byte[] NewSerialNumber()
    {
        // RFC 5280: positive, at most 20 octets; 16 random bytes with the top bit cleared.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        if (serial[0] == 0)
        {
            serial[0] = 1;
        }

        return serial;
    }
}
