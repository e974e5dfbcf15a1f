using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Certificates;
using static Skiff.Controllers.Tests.Certificates.CsrTestRequests;

namespace Skiff.Controllers.Tests.Certificates;

public sealed class CsrSigningControllerTests : IDisposable
{
    private static readonly ApiResource Csrs = new("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FakeInformer<V1CertificateSigningRequest> _informer = new();
    private readonly FakeResourceClient<V1CertificateSigningRequest> _client = new(Csrs);
    private readonly X509Certificate2 _ca = Ca();
    private readonly CsrSigningController _controller;

    public CsrSigningControllerTests()
    {
        _controller = new CsrSigningController(_informer, _client, _ca, _time, NullLogger.Instance);
    }

    public void Dispose() => _ca.Dispose();

    private void Add(V1CertificateSigningRequest csr) => _informer.Add(_client.Seed(csr));

    private async Task<V1CertificateSigningRequest> SyncAndGet(string name)
    {
        await _controller.SyncAsync(name, CancellationToken.None);
        return await _client.GetAsync(null, name, CancellationToken.None);
    }

    [Fact]
    public async Task Sync_ApprovedKubeletClientRequest_IsSignedByTheClusterCa()
    {
        var csr = Approved(Csr("c1", "system:node:w1", ["system:nodes"], CertificateRequests.KubeletClientSigner, ["digital signature", "client auth"], "system:bootstrap:abcdef"));
        csr.Spec.ExpirationSeconds = 3600;
        Add(csr);

        var signed = await SyncAndGet("c1");

        Assert.Contains("status c1", _client.Calls);
        using var certificate = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(signed.Status.Certificate));
        Assert.Equal("O=system:nodes, CN=system:node:w1", certificate.Subject);
        Assert.Equal(_ca.Subject, certificate.Issuer);
        Assert.Equal(_time.GetUtcNow().AddHours(1).UtcDateTime, certificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(2));
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal("1.3.6.1.5.5.7.3.2", Assert.Single(eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate));
    }

    [Fact]
    public async Task Sync_ServingRequestWithNames_KeepsTheSubjectAlternativeNames()
    {
        Add(Approved(Csr("s1", "system:node:w1", ["system:nodes"], CertificateRequests.KubeletServingSigner, ["digital signature", "server auth"], "system:node:w1", r =>
        {
            var sans = new SubjectAlternativeNameBuilder();
            sans.AddDnsName("w1");
            sans.AddIpAddress(System.Net.IPAddress.Parse("192.168.77.11"));
            r.CertificateExtensions.Add(sans.Build());
        })));

        var signed = await SyncAndGet("s1");

        using var certificate = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(signed.Status.Certificate));
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["w1"], san.EnumerateDnsNames());
        Assert.Equal("192.168.77.11", san.EnumerateIPAddresses().Single().ToString());
    }

    [Fact]
    public async Task Sync_RequestBreakingItsSignersRules_GetsAFailedCondition()
    {
        // A kubelet client certificate may not claim another group.
        Add(Approved(Csr("bad", "system:node:w1", ["system:masters"], CertificateRequests.KubeletClientSigner, ["digital signature", "client auth"], "system:bootstrap:abcdef")));

        var result = await SyncAndGet("bad");

        Assert.Null(result.Status.Certificate);
        var failed = result.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal("SignerValidationFailure", failed.Reason);
        Assert.Contains("system:nodes", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_PendingOrForeignSigner_IsNotSigned()
    {
        Add(Csr("pending", "system:node:w1", ["system:nodes"], CertificateRequests.KubeletClientSigner, ["digital signature", "client auth"], "system:bootstrap:abcdef"));
        Add(Approved(Csr("foreign", "x", [], "example.com/signer", ["client auth"], "admin")));

        await _controller.SyncAsync("pending", CancellationToken.None);
        await _controller.SyncAsync("foreign", CancellationToken.None);

        Assert.DoesNotContain(_client.Calls, c => c.StartsWith("status", StringComparison.Ordinal));
    }
}
