using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Skiff.Controllers.Tests.Certificates;

/// <summary>Builds CertificateSigningRequest objects with real PEM requests for the certificate controller tests.</summary>
internal static class CsrTestRequests
{
    public static V1CertificateSigningRequest Csr(string name, string commonName, string[] organizations, string signer, string[] usages, string requestor,
        Action<CertificateRequest>? extend = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var o in organizations)
        {
            subject.AddOrganizationName(o);
        }

        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        extend?.Invoke(request);
        return new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()),
                SignerName = signer,
                Usages = usages,
                Username = requestor,
                Groups = requestor.StartsWith("system:bootstrap:", StringComparison.Ordinal) ? ["system:bootstrappers", "system:authenticated"] : ["system:nodes", "system:authenticated"],
            },
        };
    }

    public static V1CertificateSigningRequest Approved(V1CertificateSigningRequest csr)
    {
        csr.Status = new V1CertificateSigningRequestStatus { Conditions = [new V1CertificateSigningRequestCondition { Type = "Approved", Status = "True", Reason = "Test" }] };
        return csr;
    }

    public static X509Certificate2 Ca()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
    }
}
