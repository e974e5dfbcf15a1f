using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;

namespace Skiff.ApiServer.Registry.Core.Nodes;

/// <summary>
/// The API server's HTTPS client to node agents (kube-apiserver's kubelet client): it presents the API server's
/// kubelet client certificate and checks the agent's serving certificate against the cluster CA when one is known.
/// Shared by pods/log and the resource metrics scraper; thread-safe.
/// </summary>
internal sealed class KubeletClient : IDisposable
{
    public KubeletClient(X509Certificate2? clientCertificate, X509Certificate2? clusterCa)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = TlsOptions(clientCertificate, clusterCa),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        Http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// TLS towards an agent: TLS 1.2+, the API server's kubelet client certificate, and the agent's chain checked against
    /// the cluster CA when one is known (names are not, as kube-apiserver without --kubelet-certificate-authority).
    /// Fresh options per call, for connections made outside <see cref="Http"/> (exec, attach, port-forward upgrades).
    /// </summary>
    public static SslClientAuthenticationOptions TlsOptions(X509Certificate2? clientCertificate, X509Certificate2? clusterCa) => new()
    {
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (clusterCa is null || certificate is null)
            {
                return clusterCa is null;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        },
    };

    /// <summary>The client; callers bound each request with their own cancellation.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// The agent's base URL (<c>https://ADDRESS:PORT</c>) from the node's InternalIP (else Hostname) address and
    /// status.daemonEndpoints.kubeletEndpoint.Port (10250 when unset), or null when the node has no address.
    /// </summary>
    public static string? BaseUrl(V1Node node)
    {
        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
            ?? node.Status?.Addresses?.FirstOrDefault(a => a.Type == "Hostname")?.Address;
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 10250;
        if (address is null || port <= 0)
        {
            return null;
        }

        return $"https://{(address.Contains(':') ? $"[{address}]" : address)}:{port}";
    }

    public void Dispose() => Http.Dispose();
}
