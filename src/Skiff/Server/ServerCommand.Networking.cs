using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Dns;
using Skiff.Proxy;

namespace Skiff.Server;

internal sealed partial class ServerCommand
{
    /// <summary>
    /// Runs the node's Service proxy and cluster DNS as API clients of this server (each under the same supervision
    /// as the controllers), unless disabled. The proxy uses the agent's node name (<paramref name="nodeName"/>), so
    /// endpoints on this node count as local for the Local traffic policies even with <c>--node-name</c>. Only called when the node agent runs.
    /// </summary>
    private Task RunServiceNetworkingAsync(string kubeconfigPath, ServiceNetworkingOptions options, string nodeName, CancellationToken cancellationToken)
    {
        var proxy = options.DisableKubeProxy
            ? Task.CompletedTask
            : SuperviseAsync("service proxy", async ct =>
            {
                var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
                using var connection = new ApiConnection(configuration) { UserAgent = "skiff-proxy" };
                var informers = new InformerFactory(connection, new InformerOptions(), _timeProvider, _loggerFactory);
                var serviceProxy = new ServiceProxy(informers, new ProxyOptions { NodeName = nodeName }, _timeProvider, _loggerFactory.CreateLogger<ServiceProxy>());
                await serviceProxy.RunAsync(ct).ConfigureAwait(false);
            }, cancellationToken);
        var dns = options.DisableClusterDns
            ? Task.CompletedTask
            : SuperviseAsync("cluster DNS", async ct =>
            {
                var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
                using var connection = new ApiConnection(configuration) { UserAgent = "skiff-dns" };
                var informers = new InformerFactory(connection, new InformerOptions(), _timeProvider, _loggerFactory);
                var dnsOptions = new DnsOptions
                {
                    ListenAddress = options.ClusterDnsListen.Address,
                    Port = options.ClusterDnsListen.Port,
                    ClusterDomain = options.ClusterDomain,
                    ResolvConfPath = options.ResolvConf,
                };
                await new ClusterDns(informers, dnsOptions, _timeProvider, _loggerFactory).RunAsync(ct).ConfigureAwait(false);
            }, cancellationToken);
        return Task.WhenAll(proxy, dns);
    }
}
