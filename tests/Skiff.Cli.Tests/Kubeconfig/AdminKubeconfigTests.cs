using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Certificates;
using Skiff.Cli.Tests.Support;
using Skiff.Kubeconfig;

namespace Skiff.Cli.Tests.Kubeconfig;

public sealed class AdminKubeconfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_RoundTripsThroughKubernetesClient()
    {
        using var certs = NewCertificates();
        var path = _dir.Combine("kubeconfig.yaml");

        AdminKubeconfig.Write(path, AdminKubeconfig.ServerUrl(IPAddress.Loopback, 6443), certs);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(new FileInfo(path));

        Assert.Equal("https://127.0.0.1:6443", config.Host.TrimEnd('/'));
        Assert.Equal("default", config.CurrentContext);
        Assert.False(config.SkipTlsVerify);
        Assert.NotNull(config.SslCaCerts);
        Assert.Equal(certs.CertificateAuthority.Thumbprint, Assert.Single(config.SslCaCerts).Thumbprint);

        Assert.False(string.IsNullOrEmpty(config.ClientCertificateData));
        Assert.False(string.IsNullOrEmpty(config.ClientCertificateKeyData));
        using var clientCert = X509Certificate2.CreateFromPem(
            System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(config.ClientCertificateData)),
            System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(config.ClientCertificateKeyData)));
        Assert.Equal(certs.AdminClient.Thumbprint, clientCert.Thumbprint);
        Assert.True(clientCert.HasPrivateKey);
    }

    [Fact]
    public void Write_File_IsOwnerOnly()
    {
        using var certs = NewCertificates();
        var path = _dir.Combine("sub", "kubeconfig.yaml");

        AdminKubeconfig.Write(path, AdminKubeconfig.ServerUrl(IPAddress.Loopback, 6443), certs);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void ToYaml_NamesClusterUserAndContextDefault()
    {
        using var certs = NewCertificates();

        var yaml = AdminKubeconfig.ToYaml(AdminKubeconfig.Build(new Uri("https://127.0.0.1:6443"), certs.CertificateAuthority, certs.AdminClient));

        Assert.Contains("current-context: default", yaml);
        Assert.Contains("certificate-authority-data:", yaml);
        Assert.Contains("client-certificate-data:", yaml);
        Assert.Contains("client-key-data:", yaml);
        Assert.Contains("server: https://127.0.0.1:6443", yaml);
    }

    [Theory]
    [InlineData("0.0.0.0", 6443, "https://127.0.0.1:6443/")]
    [InlineData("::", 6443, "https://[::1]:6443/")]
    [InlineData("127.0.0.1", 16443, "https://127.0.0.1:16443/")]
    [InlineData("192.0.2.5", 6443, "https://192.0.2.5:6443/")]
    [InlineData("2001:db8::5", 6443, "https://[2001:db8::5]:6443/")]
    public void ServerUrl_ClientsReachWildcardBindsThroughLoopback(string bind, int port, string expected)
    {
        Assert.Equal(expected, AdminKubeconfig.ServerUrl(IPAddress.Parse(bind), port).ToString());
    }

    private ClusterCertificates NewCertificates() =>
        new ClusterCertificateStore(
            new TlsFiles(_dir.Combine("tls")),
            new CertificateFactory(TimeProvider.System),
            TimeProvider.System,
            NullLogger.Instance).Ensure(ServingNames.For(IPAddress.Loopback, "testhost", []));
}
