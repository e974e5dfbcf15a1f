using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// Issues certificates for approved requests with the cluster CA (kube-controller-manager's csrsigning controller
/// with --cluster-signing-cert-file/--cluster-signing-key-file): subject and public key from the request, the
/// request's usages as key usage and extended key usage, valid from five minutes ago (clock skew, as the signer
/// backdates) for <c>spec.expirationSeconds</c> or the default duration, and never past the CA's own expiry.
/// </summary>
internal sealed class ClusterSigner(X509Certificate2 ca, TimeProvider time)
{
    /// <summary>kube-controller-manager's --cluster-signing-duration default.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromDays(365);

    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    /// <summary>Signs <paramref name="request"/> for <paramref name="csr"/>; returns the certificate as PEM.</summary>
    public byte[] Sign(V1CertificateSigningRequest csr, CertificateRequest request)
    {
        var now = time.GetUtcNow();
        var duration = csr.Spec.ExpirationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultDuration;
        if (duration > DefaultDuration)
        {
            duration = DefaultDuration;
        }

        var notAfter = now + duration;
        if (notAfter > ca.NotAfter.ToUniversalTime())
        {
            notAfter = ca.NotAfter.ToUniversalTime();
        }

        var issued = new CertificateRequest(request.SubjectName, request.PublicKey, HashAlgorithmName.SHA256);
        var usages = csr.Spec.Usages ?? [];
        var keyUsage = X509KeyUsageFlags.None;
        var extended = new OidCollection();
        foreach (var usage in usages)
        {
            switch (usage)
            {
                case "digital signature" or "signing": keyUsage |= X509KeyUsageFlags.DigitalSignature; break;
                case "key encipherment": keyUsage |= X509KeyUsageFlags.KeyEncipherment; break;
                case "content commitment": keyUsage |= X509KeyUsageFlags.NonRepudiation; break;
                case "key agreement": keyUsage |= X509KeyUsageFlags.KeyAgreement; break;
                case "data encipherment": keyUsage |= X509KeyUsageFlags.DataEncipherment; break;
                case "server auth": extended.Add(new Oid("1.3.6.1.5.5.7.3.1")); break;
                case "client auth": extended.Add(new Oid("1.3.6.1.5.5.7.3.2")); break;
            }
        }

        issued.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        if (keyUsage != X509KeyUsageFlags.None)
        {
            issued.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, critical: true));
        }

        if (extended.Count > 0)
        {
            issued.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(extended, critical: false));
        }

        issued.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var san = request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (san is not null)
        {
            issued.CertificateExtensions.Add(san);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var certificate = issued.Create(ca, now - Backdate, notAfter, serial);
        return System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");
    }
}
