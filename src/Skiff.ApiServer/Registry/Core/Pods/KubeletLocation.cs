using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// Where the API server reaches a node's kubelet (InternalIP, else Hostname, and status.daemonEndpoints.kubeletEndpoint.Port)
/// and the TLS it uses there: the API server's kubelet client certificate, the kubelet's chain checked against the
/// cluster CA when one is known (names are not checked, as kube-apiserver without --kubelet-certificate-authority).
/// </summary>
internal sealed class KubeletLocation(RegistryStore<V1Node> nodes, X509Certificate2? clientCertificate, X509Certificate2? clusterCa)
{
    /// <summary>https://ADDRESS:PORT of the kubelet on the pod's node; 400 when the pod has no node yet.</summary>
    public async Task<Uri> BaseUriAsync(V1Pod pod, CancellationToken ct)
    {
        var nodeName = pod.Spec.NodeName;
        if (string.IsNullOrEmpty(nodeName))
        {
            throw ApiException.BadRequest($"pod {pod.Metadata.Name} does not have a host assigned");
        }

        V1Node node;
        try
        {
            node = nodes.Decode(await nodes.GetAsync(null, nodeName, "0", ct).ConfigureAwait(false));
        }
        catch (ApiException e) when (e.Code == 404)
        {
            throw ApiException.NotFound($"nodes \"{nodeName}\" not found");
        }

        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
            ?? node.Status?.Addresses?.FirstOrDefault(a => a.Type == "Hostname")?.Address;
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 10250;
        if (address is null || port <= 0)
        {
            throw ApiException.BadRequest($"node {nodeName} has no address for its kubelet");
        }

        return new Uri($"https://{(address.Contains(':') ? $"[{address}]" : address)}:{port}");
    }

    /// <summary>Fresh TLS options for one connection to a kubelet.</summary>
    public SslClientAuthenticationOptions Tls() => new()
    {
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
}
