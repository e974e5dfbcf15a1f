using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Certificates.CertificateSigningRequests;

/// <summary>kube-apiserver's printCertificateSigningRequest: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION.</summary>
internal sealed class CertificateSigningRequestTable : TableConvertor<V1CertificateSigningRequest>
{
    public static readonly CertificateSigningRequestTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        Shared.Columns.Age,
        new("SignerName", "string", "Only one signer is allowed per CSR."),
        new("Requestor", "string", "Name of the user requesting the certificate."),
        new("RequestedDuration", "string", "Requested duration of the certificate."),
        new("Condition", "string", "The conditions of the certificate request."),
    ];

    public override object?[] Cells(V1CertificateSigningRequest obj, DateTime now) =>
    [
        obj.Metadata.Name,
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
        obj.Spec?.SignerName ?? "<none>",
        obj.Spec?.Username ?? "",
        obj.Spec?.ExpirationSeconds is { } seconds ? HumanDuration.Format(TimeSpan.FromSeconds(seconds)) : "<none>",
        Condition(obj),
    ];

    /// <summary>extractCSRStatus: the true condition types joined by commas, plus Issued once there is a certificate; Pending otherwise.</summary>
    internal static string Condition(V1CertificateSigningRequest obj)
    {
        var parts = new List<string>();
        foreach (var type in new[] { "Approved", "Denied", "Failed" })
        {
            if (obj.Status?.Conditions?.Any(c => c.Type == type && c.Status != "False") == true)
            {
                parts.Add(type);
            }
        }

        if (obj.Status?.Certificate is { Length: > 0 })
        {
            parts.Add("Issued");
        }

        return parts.Count == 0 ? "Pending" : string.Join(",", parts);
    }
}
