using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Http;

/// <summary>The API server speaks TLS 1.2 and 1.3 only (kube-apiserver's default minimum, VersionTLS12).</summary>
public sealed class TlsVersionTests
{
    private static async Task<SslProtocols> HandshakeAsync(TestServer server, SslProtocols offered)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Address.Host, server.Address.Port);
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = offered,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return ssl.SslProtocol;
    }

    [Fact]
    public async Task Handshake_Tls12AndTls13_AreNegotiated()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(SslProtocols.Tls12, await HandshakeAsync(server, SslProtocols.Tls12));
        Assert.Equal(SslProtocols.Tls13, await HandshakeAsync(server, SslProtocols.Tls13));
    }

    [Fact]
    public async Task Handshake_Tls11_IsRefusedWithProtocolVersionAlert()
    {
        // .NET's client will not offer TLS 1.1 on this OpenSSL, so the openssl CLI offers it (security level 0 allows the
        // old ciphers). The server must answer with a "protocol version" alert: refusing the version itself. Without the
        // TLS 1.2 minimum the default OpenSSL settings still fail the handshake, but only for lack of a shared cipher
        // ("handshake failure"), which this test tells apart.
        await using var server = await TestServer.StartAsync();
        var psi = new System.Diagnostics.ProcessStartInfo("openssl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "s_client", "-connect", $"127.0.0.1:{server.Address.Port}", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0" })
        {
            psi.ArgumentList.Add(a);
        }

        using var openssl = System.Diagnostics.Process.Start(psi)!;
        openssl.StandardInput.Close();
        var stdout = openssl.StandardOutput.ReadToEndAsync();
        var stderr = await openssl.StandardError.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        Assert.NotEqual(0, openssl.ExitCode);
        Assert.Contains("alert protocol version", stderr + await stdout);
    }
}
