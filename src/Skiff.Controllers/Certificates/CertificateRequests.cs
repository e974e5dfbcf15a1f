using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// What kube-controller-manager's certificate controllers share (pkg/apis/certificates/v1 helpers and
/// pkg/controller/certificates): the built-in signer names, the request parser, condition checks and the shape a
/// kubelet client or serving certificate request must have.
/// </summary>
internal static class CertificateRequests
{
    public const string KubeApiServerClientSigner = "kubernetes.io/kube-apiserver-client";
    public const string KubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";
    public const string KubeletServingSigner = "kubernetes.io/kubelet-serving";
    public const string NodeUserPrefix = "system:node:";
    public const string NodesGroup = "system:nodes";

    /// <summary>Parses the PEM request and checks its signature; null when it is not a valid request.</summary>
    public static CertificateRequest? Parse(V1CertificateSigningRequest csr)
    {
        if (csr.Spec?.Request is not { Length: > 0 } pem)
        {
            return null;
        }

        try
        {
            return CertificateRequest.LoadSigningRequestPem(Encoding.ASCII.GetString(pem), HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    public static bool Has(V1CertificateSigningRequest csr, string type) =>
        csr.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    /// <summary>Approved, not denied or failed, and not yet issued: ready for its signer.</summary>
    public static bool ReadyToSign(V1CertificateSigningRequest csr) =>
        Has(csr, "Approved") && !Has(csr, "Denied") && !Has(csr, "Failed") && csr.Status?.Certificate is not { Length: > 0 };

    /// <summary>The subject's common name.</summary>
    public static string CommonName(CertificateRequest request) =>
        request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().Value == "2.5.4.3")
            .Select(r => r.GetSingleElementValue() ?? "")
            .FirstOrDefault() ?? "";

    /// <summary>The subject's organizations (the groups of a client certificate).</summary>
    public static IReadOnlyList<string> Organizations(CertificateRequest request) =>
        request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue() ?? "")
            .ToArray();

    /// <summary>The subject alternative names the request asks for.</summary>
    public static (IReadOnlyList<string> Dns, IReadOnlyList<System.Net.IPAddress> Ips, bool Other) AlternativeNames(CertificateRequest request)
    {
        var san = request.CertificateExtensions.OfType<X509Extension>().FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (san is null)
        {
            return ([], [], false);
        }

        var parsed = new X509SubjectAlternativeNameExtension(san.RawData, san.Critical);
        var dns = parsed.EnumerateDnsNames().ToArray();
        var ips = parsed.EnumerateIPAddresses().ToArray();
        // Anything besides DNS names and IP addresses (e-mail, URI) counts as "other".
        var count = CountGeneralNames(san.RawData);
        return (dns, ips, count > dns.Length + ips.Length);
    }

    /// <summary>
    /// Why a request is not a kubelet client certificate request (ValidateKubeletClientCSR), or null when it is one:
    /// O exactly system:nodes, CN system:node:NAME, no subject alternative names, usages digital signature and
    /// client auth (key encipherment allowed).
    /// </summary>
    public static string? KubeletClientProblem(CertificateRequest request, IList<string>? usages)
    {
        var organizations = Organizations(request);
        if (organizations.Count != 1 || organizations[0] != NodesGroup)
        {
            return "subject organization is not system:nodes";
        }

        if (!CommonName(request).StartsWith(NodeUserPrefix, StringComparison.Ordinal))
        {
            return "subject common name does not begin with system:node:";
        }

        var (dns, ips, other) = AlternativeNames(request);
        if (dns.Count > 0 || ips.Count > 0 || other)
        {
            return "subject alternative names are not allowed";
        }

        return UsageProblem(usages, required: ["digital signature", "client auth"], allowed: ["digital signature", "key encipherment", "client auth"]);
    }

    /// <summary>
    /// Why a request is not a kubelet serving certificate request (ValidateKubeletServingCSR), or null: O exactly
    /// system:nodes, CN system:node:NAME, DNS or IP names only and at least one, usages digital signature and server auth.
    /// </summary>
    public static string? KubeletServingProblem(CertificateRequest request, IList<string>? usages)
    {
        var organizations = Organizations(request);
        if (organizations.Count != 1 || organizations[0] != NodesGroup)
        {
            return "subject organization is not system:nodes";
        }

        if (!CommonName(request).StartsWith(NodeUserPrefix, StringComparison.Ordinal))
        {
            return "subject common name does not begin with system:node:";
        }

        var (dns, ips, other) = AlternativeNames(request);
        if (other)
        {
            return "only DNS and IP subject alternative names are allowed";
        }

        if (dns.Count == 0 && ips.Count == 0)
        {
            return "DNS or IP subjectAltName is required";
        }

        return UsageProblem(usages, required: ["digital signature", "server auth"], allowed: ["digital signature", "key encipherment", "server auth"]);
    }

    /// <summary>Why a request may not be signed by kubernetes.io/kube-apiserver-client, or null.</summary>
    public static string? ApiServerClientProblem(CertificateRequest request, IList<string>? usages)
    {
        var (dns, ips, other) = AlternativeNames(request);
        if (dns.Count > 0 || ips.Count > 0 || other)
        {
            return "subject alternative names are not allowed";
        }

        return UsageProblem(usages, required: ["client auth"], allowed: ["digital signature", "key encipherment", "client auth"]);
    }

    private static string? UsageProblem(IList<string>? usages, string[] required, string[] allowed)
    {
        var set = (usages ?? []).ToHashSet(StringComparer.Ordinal);
        if (set.FirstOrDefault(u => !allowed.Contains(u)) is { } extra)
        {
            return $"usage \"{extra}\" is not allowed (allowed: {string.Join(", ", allowed)})";
        }

        if (required.FirstOrDefault(r => !set.Contains(r)) is { } missing)
        {
            return $"missing required usage \"{missing}\"";
        }

        return null;
    }

    private static int CountGeneralNames(byte[] der)
    {
        try
        {
            var reader = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var count = 0;
            while (sequence.HasData)
            {
                sequence.ReadEncodedValue();
                count++;
            }

            return count;
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return int.MaxValue;
        }
    }
}
