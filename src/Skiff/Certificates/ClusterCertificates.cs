using System.Security.Cryptography.X509Certificates;

namespace Skiff.Certificates;

/// <summary>The certificates of one cluster, each with its private key.</summary>
internal sealed class ClusterCertificates(X509Certificate2 certificateAuthority, X509Certificate2 serving, X509Certificate2 adminClient) : IDisposable
{
    /// <summary>The cluster CA: it signs the serving certificate and every client certificate the API server accepts.</summary>
    public X509Certificate2 CertificateAuthority { get; } = certificateAuthority;

    /// <summary>The API server's TLS certificate.</summary>
    public X509Certificate2 Serving { get; } = serving;

    /// <summary>The client certificate of <c>system:admin</c> in <c>system:masters</c>, used by the admin kubeconfig.</summary>
    public X509Certificate2 AdminClient { get; } = adminClient;

    public void Dispose()
    {
        CertificateAuthority.Dispose();
        Serving.Dispose();
        AdminClient.Dispose();
    }
}
