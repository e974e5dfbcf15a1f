using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Registry.Certificates.CertificateSigningRequests;

/// <summary>
/// certificates.k8s.io/v1 CertificateSigningRequests (pkg/registry/certificates/certificates/strategy.go and
/// ValidateCertificateSigningRequest*): create records the requesting user in spec and clears status; the spec is
/// immutable afterwards; the status subresource may add the certificate and conditions other than Approved/Denied;
/// the approval subresource may change only the Approved and Denied conditions.
/// </summary>
internal sealed class CertificateSigningRequestStrategy : ResourceStrategy<V1CertificateSigningRequest>
{
    public const string Approved = "Approved";
    public const string Denied = "Denied";
    public const string Failed = "Failed";

    /// <summary>The key usages certificates.k8s.io/v1 accepts (KeyUsage constants).</summary>
    public static readonly string[] KnownUsages =
    [
        "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign",
        "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
        "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
    ];

    // Pre-quoted: the generic value formatting JSON-escapes '<' and '>', Go's %q does not.
    private static readonly GoValue Binary = new(GoValue.Quote("<binary>"));
    private static readonly GoValue CertificateData = new(GoValue.Quote("<certificate data>"));

    public override TableConvertor<V1CertificateSigningRequest> Table => CertificateSigningRequestTable.Instance;

    public override void Default(V1CertificateSigningRequest obj)
    {
        obj.Spec ??= new V1CertificateSigningRequestSpec();
        if (obj.Spec.Usages is null || obj.Spec.Usages.Count == 0)
        {
            // SetDefaults_CertificateSigningRequestSpec.
            obj.Spec.Usages = ["digital signature", "key encipherment"];
        }
    }

    public override void PrepareForCreate(V1CertificateSigningRequest obj)
    {
        base.PrepareForCreate(obj);
        // The requestor is whoever sent the request, never what the body claims (kube-apiserver fills these from the context's user).
        var user = RequestUser.Current;
        obj.Spec.Username = user?.Name;
        obj.Spec.Uid = string.IsNullOrEmpty(user?.Uid) ? null : user!.Uid;
        obj.Spec.Groups = user?.Groups.Count > 0 ? [.. user.Groups] : null;
        obj.Spec.Extra = user?.Extra.Count > 0 ? user.Extra.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]) : null;
    }

    public override void Validate(V1CertificateSigningRequest obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1CertificateSigningRequestSpec();
        if (spec.Request is not { Length: > 0 })
        {
            errors.Invalid("spec.request", "", "PEM block type must be CERTIFICATE REQUEST");
        }
        else if (ParseRequest(spec.Request) is null)
        {
            errors.Invalid("spec.request", Binary, "PEM block type must be CERTIFICATE REQUEST");
        }

        ValidateSignerName(spec.SignerName, errors);
        if (spec.ExpirationSeconds is { } seconds && seconds < 600)
        {
            errors.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 600 seconds (10 minutes)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Usages?.Count ?? 0); i++)
        {
            var usage = spec.Usages![i];
            if (!KnownUsages.Contains(usage))
            {
                errors.NotSupported($"spec.usages[{i}]", usage, KnownUsages);
            }
            else if (!seen.Add(usage))
            {
                errors.Duplicate($"spec.usages[{i}]", usage);
            }
        }

        ValidateStatus(obj.Status, errors);
    }

    public override void PrepareForUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old)
    {
        // Only metadata may change through the main resource.
        obj.Spec = old.Spec;
        obj.Status = old.Status;
    }

    public override void ValidateUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old, FieldErrors errors)
    {
    }

    public override void PrepareForStatusUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old)
    {
        obj.Spec = old.Spec;
        obj.Status ??= new V1CertificateSigningRequestStatus();
        // Approval decisions are the approval subresource's: a status write keeps the old ones.
        var kept = (obj.Status.Conditions ?? []).Where(c => !IsApproval(c.Type)).ToList();
        kept.InsertRange(0, (old.Status?.Conditions ?? []).Where(c => IsApproval(c.Type)));
        obj.Status.Conditions = kept.Count > 0 ? kept : null;
    }

    public override void ValidateStatusUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old, FieldErrors errors)
    {
        ValidateStatus(obj.Status, errors);
        if (old.Status?.Certificate is { Length: > 0 } issued && !(obj.Status?.Certificate ?? []).AsSpan().SequenceEqual(issued))
        {
            errors.Invalid("status.certificate", Binary, "updates may not modify existing certificate content");
        }
    }

    public override void PrepareForApprovalUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old)
    {
        obj.Spec = old.Spec;
        var approvals = (obj.Status?.Conditions ?? []).Where(c => IsApproval(c.Type)).ToList();
        var others = (old.Status?.Conditions ?? []).Where(c => !IsApproval(c.Type));
        var now = DateTime.UtcNow;
        foreach (var condition in approvals)
        {
            // As kube-apiserver's approval strategy: a new decision gets its timestamps.
            condition.LastUpdateTime ??= now;
            condition.LastTransitionTime ??= now;
        }

        obj.Status = new V1CertificateSigningRequestStatus
        {
            Certificate = old.Status?.Certificate,
            Conditions = approvals.Concat(others).ToList() is { Count: > 0 } all ? all : null,
        };
    }

    public override void ValidateApprovalUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old, FieldErrors errors)
    {
        ValidateStatus(obj.Status, errors);
        foreach (var type in new[] { Approved, Denied })
        {
            if (HasCondition(old, type) && !HasCondition(obj, type))
            {
                errors.Forbidden("status.conditions", $"updates may not remove a condition of type \"{type}\"");
            }
        }
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1CertificateSigningRequest obj) =>
        [new("spec.signerName", obj.Spec?.SignerName ?? "")];

    /// <summary>Whether a condition of <paramref name="type"/> with status True is present.</summary>
    public static bool HasCondition(V1CertificateSigningRequest csr, string type) =>
        csr.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    /// <summary>Parses a PEM <c>CERTIFICATE REQUEST</c> and checks its signature; null when it is not one.</summary>
    public static CertificateRequest? ParseRequest(byte[] pem)
    {
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

    private static bool IsApproval(string type) => type is Approved or Denied;

    private static void ValidateSignerName(string? signerName, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(signerName))
        {
            errors.Required("spec.signerName");
            return;
        }

        // ValidateSignerName: a fully qualified domain name, a '/', then a path of at most 253 characters.
        var slash = signerName.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == signerName.Length - 1)
        {
            errors.Invalid("spec.signerName", signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
            return;
        }

        var domain = signerName[..slash];
        if (!domain.Contains('.', StringComparison.Ordinal) || Uri.CheckHostName(domain) != UriHostNameType.Dns || domain != domain.ToLowerInvariant())
        {
            errors.Invalid("spec.signerName", signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
        }
    }

    private static void ValidateStatus(V1CertificateSigningRequestStatus? status, FieldErrors errors)
    {
        var conditions = status?.Conditions ?? [];
        var types = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            var path = $"status.conditions[{i}]";
            if (string.IsNullOrEmpty(c.Type))
            {
                errors.Required(path + ".type");
                continue;
            }

            if (c.Status is not ("True" or "False" or "Unknown"))
            {
                errors.NotSupported(path + ".status", c.Status, ["False", "True", "Unknown"]);
            }
            else if (IsApproval(c.Type) && c.Status != "True")
            {
                errors.NotSupported(path + ".status", c.Status, ["True"]);
            }

            if (c.Type is Approved or Denied or Failed && !types.Add(c.Type))
            {
                errors.Duplicate(path + ".type", c.Type);
            }
        }

        if (types.Contains(Approved) && types.Contains(Denied))
        {
            errors.Invalid("status.conditions", "Approved,Denied", "Approved and Denied conditions are mutually exclusive");
        }

        if (status?.Certificate is { Length: > 0 } certificate && !IsCertificateBundle(certificate))
        {
            errors.Invalid("status.certificate", CertificateData, "must contain at least one CERTIFICATE PEM block");
        }
    }

    private static bool IsCertificateBundle(byte[] pem)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(Encoding.ASCII.GetString(pem));
            return collection.Count > 0;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
