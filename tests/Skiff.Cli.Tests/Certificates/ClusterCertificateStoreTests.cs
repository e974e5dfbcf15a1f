using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Certificates;
using Skiff.Cli.Tests.Support;

namespace Skiff.Cli.Tests.Certificates;

public sealed class ClusterCertificateStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Ensure_FirstStart_ServingAndAdminChainToTheCa()
    {
        using var certs = NewStore().Ensure(Names("127.0.0.1"));

        Assert.True(Validates(certs.Serving, certs.CertificateAuthority, KnownOids.ServerAuth));
        Assert.True(Validates(certs.AdminClient, certs.CertificateAuthority, KnownOids.ClientAuth));
        Assert.Equal(certs.CertificateAuthority.SubjectName.RawData, certs.Serving.IssuerName.RawData);
    }

    [Fact]
    public void Ensure_FirstStart_UsesEcdsaP256WithSha256()
    {
        using var certs = NewStore().Ensure(Names("127.0.0.1"));

        foreach (var cert in new[] { certs.CertificateAuthority, certs.Serving, certs.AdminClient })
        {
            using var key = cert.GetECDsaPublicKey();
            Assert.NotNull(key);
            Assert.Equal(256, key.KeySize);
            Assert.Equal("1.2.840.10045.4.3.2", cert.SignatureAlgorithm.Value); // ecdsa-with-SHA256
            Assert.True(cert.HasPrivateKey);
        }
    }

    [Fact]
    public void Ensure_FirstStart_LifetimesAreTenYearsForTheCaAndOneYearForLeaves()
    {
        using var certs = NewStore().Ensure(Names("127.0.0.1"));

        Assert.InRange(certs.CertificateAuthority.NotAfter.ToUniversalTime(), Start.UtcDateTime.AddDays(3649), Start.UtcDateTime.AddDays(3651));
        Assert.InRange(certs.Serving.NotAfter.ToUniversalTime(), Start.UtcDateTime.AddDays(364), Start.UtcDateTime.AddDays(366));
        Assert.InRange(certs.AdminClient.NotAfter.ToUniversalTime(), Start.UtcDateTime.AddDays(364), Start.UtcDateTime.AddDays(366));
        var caBasic = certs.CertificateAuthority.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(caBasic.CertificateAuthority);
        var servingBasic = certs.Serving.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(servingBasic.CertificateAuthority);
    }

    [Fact]
    public void Ensure_FirstStart_ServingCertificateNamesEveryAddress()
    {
        using var certs = NewStore().Ensure(ServingNames.For(IPAddress.Parse("192.0.2.7"), "Node-1", []));

        var san = certs.Serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var dns = san.EnumerateDnsNames().ToList();
        var ips = san.EnumerateIPAddresses().Select(a => a.ToString()).ToList();
        Assert.Equal(
            ["localhost", "node-1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
            dns);
        Assert.Equal(["127.0.0.1", "::1", "10.43.0.1", "192.0.2.7"], ips);
        Assert.Equal([KnownOids.ServerAuth], Ekus(certs.Serving));
    }

    [Fact]
    public void Ensure_FirstStart_AdminIsSystemAdminInSystemMasters()
    {
        using var certs = NewStore().Ensure(Names("127.0.0.1"));

        var rdns = certs.AdminClient.SubjectName.EnumerateRelativeDistinguishedNames()
            .Select(r => (r.GetSingleElementType().Value, r.GetSingleElementValue()))
            .ToList();
        Assert.Contains(("2.5.4.3", "system:admin"), rdns); // CN
        Assert.Contains(("2.5.4.10", "system:masters"), rdns); // O
        Assert.Equal([KnownOids.ClientAuth], Ekus(certs.AdminClient));
    }

    [Fact]
    public void Ensure_SecondStart_ReusesEveryCertificate()
    {
        using var first = NewStore().Ensure(Names("127.0.0.1"));
        using var second = NewStore().Ensure(Names("127.0.0.1"));

        Assert.Equal(first.CertificateAuthority.Thumbprint, second.CertificateAuthority.Thumbprint);
        Assert.Equal(first.Serving.Thumbprint, second.Serving.Thumbprint);
        Assert.Equal(first.AdminClient.Thumbprint, second.AdminClient.Thumbprint);
        Assert.True(second.Serving.HasPrivateKey);
    }

    [Fact]
    public void Ensure_NewBindAddress_ReissuesOnlyTheServingCertificate()
    {
        using var first = NewStore().Ensure(Names("127.0.0.1"));
        using var second = NewStore().Ensure(Names("192.0.2.9"));

        Assert.Equal(first.CertificateAuthority.Thumbprint, second.CertificateAuthority.Thumbprint);
        Assert.Equal(first.AdminClient.Thumbprint, second.AdminClient.Thumbprint);
        Assert.NotEqual(first.Serving.Thumbprint, second.Serving.Thumbprint);
        Assert.True(Names("192.0.2.9").AreCoveredBy(second.Serving));
        Assert.True(Validates(second.Serving, second.CertificateAuthority, KnownOids.ServerAuth));
    }

    [Fact]
    public void Ensure_LeafExpiresWithin30Days_ReissuesIt()
    {
        using var first = NewStore().Ensure(Names("127.0.0.1"));

        _time.Advance(TimeSpan.FromDays(340));
        using var second = NewStore().Ensure(Names("127.0.0.1"));

        Assert.Equal(first.CertificateAuthority.Thumbprint, second.CertificateAuthority.Thumbprint);
        Assert.NotEqual(first.Serving.Thumbprint, second.Serving.Thumbprint);
        Assert.NotEqual(first.AdminClient.Thumbprint, second.AdminClient.Thumbprint);
        Assert.True(second.Serving.NotAfter.ToUniversalTime() > _time.GetUtcNow().UtcDateTime.AddDays(300));
    }

    [Fact]
    public void Ensure_LeafFurtherThan30DaysFromExpiry_IsKept()
    {
        using var first = NewStore().Ensure(Names("127.0.0.1"));

        _time.Advance(TimeSpan.FromDays(300));
        using var second = NewStore().Ensure(Names("127.0.0.1"));

        Assert.Equal(first.Serving.Thumbprint, second.Serving.Thumbprint);
    }

    [Fact]
    public void Ensure_CorruptServingCertificate_IsReissued()
    {
        using var first = NewStore().Ensure(Names("127.0.0.1"));
        File.WriteAllText(Files.ServingCertificate, "not a certificate");

        using var second = NewStore().Ensure(Names("127.0.0.1"));

        Assert.True(Validates(second.Serving, second.CertificateAuthority, KnownOids.ServerAuth));
    }

    [Fact]
    public void Ensure_Files_KeysAreOwnerOnlyAndCertificatesReadable()
    {
        using var certs = NewStore().Ensure(Names("127.0.0.1"));

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Files.CaKey));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Files.ServingKey));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Files.AdminKey));
        Assert.Equal(ownerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Files.CaCertificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Files.Directory));
        Assert.Empty(Directory.GetFiles(Files.Directory, "*.tmp"));
    }

    [Fact]
    public void Ensure_CaKeyMissing_FailsInsteadOfReplacingTheCa()
    {
        using (NewStore().Ensure(Names("127.0.0.1")))
        {
        }

        File.Delete(Files.CaKey);

        var ex = Assert.Throws<StartupException>(() => NewStore().Ensure(Names("127.0.0.1")));
        Assert.Contains("server-ca.key", ex.Message);
    }

    private TlsFiles Files => new(_dir.Combine("tls"));

    private static ServingNames Names(string bind) => ServingNames.For(IPAddress.Parse(bind), "testhost", []);

    private ClusterCertificateStore NewStore() =>
        new(Files, new CertificateFactory(_time), _time, NullLogger.Instance);

    private bool Validates(X509Certificate2 leaf, X509Certificate2 ca, string eku)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(eku));
        return chain.Build(leaf);
    }

    private static string[] Ekus(X509Certificate2 cert) =>
        cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).ToArray();
}
