using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry.Core.Nodes;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// Where the API server reaches the kubelet of a pod's node and the TLS it uses there, both as <see cref="KubeletClient"/>
/// has them, for the streaming upgrades (exec, attach, port-forward) that open their own connections.
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

        return KubeletClient.BaseUrl(node) is { } url
            ? new Uri(url)
            : throw ApiException.BadRequest($"node {nodeName} has no address for its kubelet");
    }

    /// <summary>Fresh TLS options for one connection to a kubelet (those of <see cref="KubeletClient"/>).</summary>
    public SslClientAuthenticationOptions Tls() => KubeletClient.TlsOptions(clientCertificate, clusterCa);
}
