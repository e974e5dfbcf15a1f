using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skiff.Certificates;
using Skiff.Client.Api;
using Skiff.Kubeconfig;

namespace Skiff.Server;

/// <summary>
/// The identities of the server's in-process components. As in a kubeadm or k3s cluster, each control-plane component
/// is an API client with a client certificate of its own, signed by the cluster CA and bound by the bootstrap policy to
/// the least it needs: the controller manager as <c>system:kube-controller-manager</c>, the scheduler as
/// <c>system:kube-scheduler</c>, the Service proxy as <c>system:kube-proxy</c> and the cluster DNS as
/// <c>system:skiff-dns</c>. None of them is in <c>system:masters</c>. The controller manager's identity only elects
/// the leader and feeds the shared informers; each controller writes as its service account kube-system/CONTROLLER
/// (ServiceAccountClientBuilder), bound to Kubernetes' <c>system:controller:CONTROLLER</c> role.
/// </summary>
internal sealed partial class ServerCommand
{
    /// <summary>
    /// A connection to <paramref name="serverUrl"/> as <paramref name="user"/> (no groups), with a fresh client
    /// certificate from the cluster CA. Minted per run of the component (in memory only: nothing on disk to protect or
    /// rotate; a restarted component gets a new one). Refused requests are logged as warnings naming
    /// <paramref name="userAgent"/>, so a missing permission shows in the server's log.
    /// </summary>
    private ApiConnection ConnectAs(Uri serverUrl, X509Certificate2 ca, string user, string userAgent)
    {
        using var certificate = new CertificateFactory(_timeProvider).CreateClientCertificate(ca, user, []);
        // The configuration carries the certificate and key as PEM data, so the client holds its own copy.
        var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(serverUrl, ca, certificate));
        return new ApiConnection(configuration, _loggerFactory.CreateLogger("Skiff.Server.ComponentAccess")) { UserAgent = userAgent };
    }

    /// <summary>
    /// The server's address and the CA to trust, with no credentials: the base of connections that authenticate with a
    /// bearer token of their own (the controllers' service accounts).
    /// </summary>
    private static k8s.KubernetesClientConfiguration ServerOnly(Uri serverUrl, X509Certificate2 ca) => new()
    {
        Host = serverUrl.GetLeftPart(UriPartial.Authority),
        SslCaCerts = [X509CertificateLoader.LoadCertificate(ca.RawData)],
    };
}
