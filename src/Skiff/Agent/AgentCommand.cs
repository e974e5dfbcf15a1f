using Microsoft.Extensions.Logging;
using Skiff.Certificates;
using Skiff.Client.Api;
using Skiff.Kubeconfig;
using Skiff.Server;

namespace Skiff.Agent;

/// <summary>
/// <c>skiff agent --server-data-dir SDIR</c>: a node agent alone, for a server on this machine (a second node in
/// tests or on one host). It reads the server's URL from SDIR's kubeconfig and the cluster CA from SDIR/server/tls to
/// issue its own node identity (system:node:NAME in system:nodes) and serving certificate, then runs like the agent
/// inside <c>skiff server</c>, with its own data directory. Joining a remote server with a token is a later issue.
/// </summary>
internal static partial class AgentCommand
{
    public static async Task<int> RunAsync(string serverDataDir, string dataDir, string? nodeName, string? nodeIp, int kubeletPort, string? runtimeEndpoint, string? podManifestPath, Kubelet.Eviction.EvictionOptions? eviction, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("Skiff.Agent");
        var server = new DataDirectory(serverDataDir);
        var tls = new TlsFiles(server.TlsDirectory);
        using var ca = PemFiles.TryLoad(tls.CaCertificate, tls.CaKey);
        if (ca is null || !File.Exists(server.KubeconfigPath))
        {
            LogFatal(logger, $"no server at {serverDataDir}: need {tls.CaCertificate}, {tls.CaKey} and {server.KubeconfigPath} (start `skiff server --data-dir {serverDataDir}` first)");
            return 1;
        }

        var serverUrl = new Uri(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath).Host);
        var options = NodeAgentRunner.AgentOptions(dataDir, nodeName, nodeIp, kubeletPort, podManifestPath: podManifestPath, eviction: eviction);
        var factory = new CertificateFactory(TimeProvider.System);
        using var nodeCertificate = factory.CreateClientCertificate(ca, "system:node:" + options.NodeName, ["system:nodes"]);
        using var serving = factory.CreateServingCertificate(ca, options.NodeName, ServingNames.For(options.NodeAddress, options.NodeName, [options.NodeAddress]));
        var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(serverUrl, ca, nodeCertificate));
        using var connection = new ApiConnection(configuration) { UserAgent = "skiff-kubelet/" + options.NodeName };
        try
        {
            await new NodeAgentRunner(loggerFactory, TimeProvider.System).RunAsync(options, connection, serving, ca, runtimeEndpoint, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (StartupException ex)
        {
            LogFatal(logger, ex.Message);
            return 1;
        }
    }

    [LoggerMessage(EventId = 1, EventName = "AgentFatal", Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogFatal(ILogger logger, string message);
}
