using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Authorization;
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
    /// The proxy runs as <c>system:kube-proxy</c> and the DNS as <c>system:skiff-dns</c> (see ServerCommand.Identities.cs).
    /// </summary>
    private Task RunServiceNetworkingAsync(Uri serverUrl, X509Certificate2 ca, ServiceNetworkingOptions options, string nodeName, CancellationToken cancellationToken)
    {
        var proxy = options.DisableKubeProxy
            ? Task.CompletedTask
            : SuperviseAsync("service proxy", async ct =>
            {
                using var connection = ConnectAs(serverUrl, ca, SystemUsers.KubeProxy, "skiff-proxy");
                var informers = new InformerFactory(connection, new InformerOptions(), _timeProvider, _loggerFactory);
                var serviceProxy = new ServiceProxy(informers, new ProxyOptions { NodeName = nodeName }, _timeProvider, _loggerFactory.CreateLogger<ServiceProxy>());
                await serviceProxy.RunAsync(ct).ConfigureAwait(false);
            }, cancellationToken);
        var dns = options.DisableClusterDns
            ? Task.CompletedTask
            : SuperviseAsync("cluster DNS", async ct =>
            {
                using var connection = ConnectAs(serverUrl, ca, SystemUsers.ClusterDns, "skiff-dns");
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
