using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Skiff.Certificates;
using Skiff.Agent;
using Skiff.Client.Api;
using Skiff.Containerd;
using Skiff.Kubeconfig;
using Skiff.Kubelet.Cri;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Node;

namespace Skiff.Server;

/// <summary>The node agent of <c>skiff server</c>: it runs in this process as an API client with its own node identity.</summary>
internal sealed partial class ServerCommand
{
    /// <summary>
    /// Runs the node agent for this machine: a client certificate for <c>system:node:NAME</c> (group system:nodes) and
    /// a serving certificate for its HTTPS server, both signed by the cluster CA; containerd started and supervised
    /// unless <see cref="ServerOptions.ContainerRuntimeEndpoint"/> names an existing socket.
    /// </summary>
    private Task RunAgentAsync(DataDirectory data, Uri serverUrl, ClusterCertificates certificates, ServerOptions options, CancellationToken cancellationToken) =>
        SuperviseAsync("node agent", async ct =>
        {
            var agentOptions = NodeAgentRunner.AgentOptions(data.Root, options.NodeName, options.NodeIp, options.KubeletPort, resolvConf: options.Networking.ResolvConf, podManifestPath: options.PodManifestPath, eviction: options.Eviction);
            var factory = new CertificateFactory(_timeProvider);
            using var nodeCertificate = factory.CreateClientCertificate(certificates.CertificateAuthority, "system:node:" + agentOptions.NodeName, ["system:nodes"]);
            using var servingCertificate = factory.CreateServingCertificate(certificates.CertificateAuthority, agentOptions.NodeName,
                ServingNames.For(agentOptions.NodeAddress, agentOptions.NodeName, [agentOptions.NodeAddress]));
            var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(serverUrl, certificates.CertificateAuthority, nodeCertificate));
            using var connection = new ApiConnection(configuration, _loggerFactory.CreateLogger("Skiff.Server.ComponentAccess")) { UserAgent = "skiff-kubelet/" + agentOptions.NodeName };
            await new NodeAgentRunner(_loggerFactory, _timeProvider).RunAsync(agentOptions, connection, servingCertificate, certificates.CertificateAuthority, options.ContainerRuntimeEndpoint, ct).ConfigureAwait(false);
        }, cancellationToken);
}
