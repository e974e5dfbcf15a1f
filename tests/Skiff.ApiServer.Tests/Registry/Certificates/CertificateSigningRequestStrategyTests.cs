using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Registry.Certificates.CertificateSigningRequests;

namespace Skiff.ApiServer.Tests.Registry.Certificates;

public sealed class CertificateSigningRequestStrategyTests
{
    private readonly CertificateSigningRequestStrategy _strategy = Strategies.For<CertificateSigningRequestStrategy, V1CertificateSigningRequest>();

    private static byte[] RequestPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Encoding.ASCII.GetBytes(new CertificateRequest("CN=system:node:w1, O=system:nodes", key, HashAlgorithmName.SHA256).CreateSigningRequestPem());
    }

    private static V1CertificateSigningRequest Csr(string signer = "kubernetes.io/kube-apiserver-client-kubelet", byte[]? request = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "csr-1", CreationTimestamp = Strategies.Now.AddMinutes(-3) },
        Spec = new V1CertificateSigningRequestSpec { Request = request ?? RequestPem(), SignerName = signer, Usages = ["digital signature", "client auth"], Username = "forged" },
        Status = new V1CertificateSigningRequestStatus { Certificate = [1, 2, 3] },
    };

    private static V1CertificateSigningRequestCondition Condition(string type) => new() { Type = type, Status = "True", Reason = "Test" };

    [Fact]
    public void Create_RecordsTheRequestingUserNotTheBodysClaimAndClearsStatus()
    {
        RequestUser.Current = new UserInfo("system:bootstrap:abcdef", "", ["system:bootstrappers", "system:authenticated"]);
        try
        {
            var csr = Csr();
            Assert.Empty(Strategies.Create(_strategy, csr));
            Assert.Equal("system:bootstrap:abcdef", csr.Spec.Username);
            Assert.Equal(["system:bootstrappers", "system:authenticated"], csr.Spec.Groups);
            Assert.Null(csr.Status);
        }
        finally
        {
            RequestUser.Current = null;
        }
    }

    [Fact]
    public void Create_ServiceAccountUser_RecordsItsExtraAndDropsTheBodys()
    {
        RequestUser.Current = new UserInfo("system:serviceaccount:team:builder", "sa-uid", ["system:serviceaccounts", "system:authenticated"])
        {
            Extra = new Dictionary<string, IReadOnlyList<string>> { ["authentication.kubernetes.io/pod-name"] = ["web-0"] },
        };
        try
        {
            var csr = Csr();
            csr.Spec.Extra = new Dictionary<string, IList<string>> { ["forged"] = ["x"] };
            Assert.Empty(Strategies.Create(_strategy, csr));
            Assert.Equal("sa-uid", csr.Spec.Uid);
            Assert.Equal(["authentication.kubernetes.io/pod-name"], csr.Spec.Extra.Keys);
            Assert.Equal(["web-0"], csr.Spec.Extra["authentication.kubernetes.io/pod-name"]);
        }
        finally
        {
            RequestUser.Current = null;
        }
    }

    [Fact]
    public void Create_NotAPemRequest_Invalid()
    {
        var errors = Strategies.Create(_strategy, Csr(request: Encoding.ASCII.GetBytes("hello")));
        Assert.Equal("spec.request: Invalid value: \"<binary>\": PEM block type must be CERTIFICATE REQUEST", Assert.Single(errors).ToString());
    }

    [Theory]
    [InlineData("", "spec.signerName: Required value")]
    [InlineData("no-slash", "spec.signerName: Invalid value: \"no-slash\": must be a fully qualified domain and path of the form 'example.com/signer-name'")]
    public void Create_BadSignerName_Invalid(string signer, string expected) =>
        Assert.Equal(expected, Assert.Single(Strategies.Create(_strategy, Csr(signer))).ToString());

    [Fact]
    public void Create_UnknownUsageAndShortExpiration_Invalid()
    {
        var csr = Csr();
        csr.Spec.Usages = ["client auth", "flying"];
        csr.Spec.ExpirationSeconds = 60;
        var errors = Strategies.Create(_strategy, csr).Select(e => e.Field).ToList();
        Assert.Equal(["spec.expirationSeconds", "spec.usages[1]"], errors);
    }

    [Fact]
    public void Approval_ChangesOnlyApprovedOrDenied_AndKeepsTheCertificate()
    {
        var old = Csr();
        old.Status = new V1CertificateSigningRequestStatus { Conditions = [Condition("Failed")], Certificate = [9] };
        var update = Csr();
        update.Spec.SignerName = "example.com/other";
        update.Status = new V1CertificateSigningRequestStatus { Conditions = [Condition("Approved")], Certificate = [7] };

        _strategy.PrepareForApprovalUpdate(update, old);

        Assert.Equal("kubernetes.io/kube-apiserver-client-kubelet", update.Spec.SignerName);
        Assert.Equal(["Approved", "Failed"], update.Status.Conditions.Select(c => c.Type));
        Assert.Equal([9], update.Status.Certificate);
    }

    [Fact]
    public void Approval_ApprovedAndDeniedTogether_Invalid()
    {
        var old = Csr();
        old.Status = null;
        var update = Csr();
        update.Status = new V1CertificateSigningRequestStatus { Conditions = [Condition("Approved"), Condition("Denied")] };
        _strategy.PrepareForApprovalUpdate(update, old);
        var errors = new FieldErrors();
        _strategy.ValidateApprovalUpdate(update, old, errors);
        Assert.Contains(errors, e => e.ToString().Contains("mutually exclusive", StringComparison.Ordinal));
    }

    [Fact]
    public void Approval_RemovingADecision_Forbidden()
    {
        var old = Csr();
        old.Status = new V1CertificateSigningRequestStatus { Conditions = [Condition("Approved")] };
        var update = Csr();
        update.Status = new V1CertificateSigningRequestStatus();
        _strategy.PrepareForApprovalUpdate(update, old);
        var errors = new FieldErrors();
        _strategy.ValidateApprovalUpdate(update, old, errors);
        Assert.Equal("status.conditions: Forbidden: updates may not remove a condition of type \"Approved\"", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Status_CannotApproveAndCannotReplaceAnIssuedCertificate()
    {
        var old = Csr();
        old.Status = new V1CertificateSigningRequestStatus { Certificate = Encoding.ASCII.GetBytes(SelfSignedPem()) };
        var update = Csr();
        update.Status = new V1CertificateSigningRequestStatus { Conditions = [Condition("Approved")], Certificate = Encoding.ASCII.GetBytes(SelfSignedPem()) };

        _strategy.PrepareForStatusUpdate(update, old);
        var errors = new FieldErrors();
        _strategy.ValidateStatusUpdate(update, old, errors);

        Assert.Null(update.Status.Conditions);
        Assert.Equal("status.certificate", Assert.Single(errors).Field);
    }

    [Fact]
    public void Update_MainResource_KeepsSpecAndStatus()
    {
        var old = Csr();
        var update = Csr("example.com/other");
        update.Metadata.Labels = new Dictionary<string, string> { ["a"] = "b" };
        Assert.Empty(Strategies.Update(_strategy, update, old));
        Assert.Equal(old.Spec.SignerName, update.Spec.SignerName);
    }

    [Fact]
    public void Table_ShowsSignerRequestorAndCondition()
    {
        var csr = Csr();
        csr.Spec.Username = "system:bootstrap:abcdef";
        csr.Spec.ExpirationSeconds = 3600;
        csr.Status = new V1CertificateSigningRequestStatus { Conditions = [Condition("Approved")], Certificate = [1] };
        Assert.Equal(["Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["csr-1", "3m", "kubernetes.io/kube-apiserver-client-kubelet", "system:bootstrap:abcdef", "60m", "Approved,Issued"], _strategy.Table.Cells(csr, Strategies.Now));
        csr.Status = null;
        Assert.Equal("Pending", _strategy.Table.Cells(csr, Strategies.Now)[5]);
    }

    private static string SelfSignedPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        return cert.ExportCertificatePem();
    }
}
