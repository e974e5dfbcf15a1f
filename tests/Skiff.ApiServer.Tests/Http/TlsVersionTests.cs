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
    public async Task Handshake_Tls11Only_IsRefused()
    {
        // Debian's OpenSSL (MinProtocol TLSv1.2 in openssl.cnf) may refuse to offer TLS 1.1 at all, in which case
        // the handshake fails on the client side before the server decides; either way no TLS 1.1 session forms.
#pragma warning disable SYSLIB0039 // TLS 1.1 is obsolete: offering it is the point of the test.
        var offered = SslProtocols.Tls11;
#pragma warning restore SYSLIB0039
        await using var server = await TestServer.StartAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(server, offered));
    }
}
