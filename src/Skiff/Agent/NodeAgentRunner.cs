using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Containerd;
using Skiff.Kubelet.Cri;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Node;
using Skiff.Server;

namespace Skiff.Agent;

/// <summary>Runs one node agent with its container runtime (containerd supervised here, or an existing CRI socket); shared by <c>skiff server</c> and <c>skiff agent</c>.</summary>
internal sealed class NodeAgentRunner(ILoggerFactory _loggerFactory, TimeProvider _timeProvider)
{
    /// <summary>The node's name: the flag, else the host name lower-cased (kubelet's default).</summary>
    internal static string NodeName(string? nodeName) =>
        string.IsNullOrWhiteSpace(nodeName) ? System.Net.Dns.GetHostName().ToLowerInvariant() : nodeName;

    /// <summary>The agent's options from the flags: node name, address, and a cgroup root unique to the data directory.</summary>
    internal static NodeAgentOptions AgentOptions(string dataDir, string? nodeName, string? nodeIp, int kubeletPort, Func<System.Security.Cryptography.X509Certificates.X509Certificate2>? servingSelector = null, string resolvConf = "/etc/resolv.conf", string? podManifestPath = null, Kubelet.Eviction.EvictionOptions? eviction = null)
    {
        var name = NodeName(nodeName);
        var address = nodeIp is { Length: > 0 } ip ? IPAddress.Parse(ip) : MachineInfo.DefaultNodeAddress();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..8];
        return new NodeAgentOptions
        {
            NodeName = name,
            DataDir = dataDir,
            NodeAddress = address,
            KubeletPort = kubeletPort,
            ResolvConf = resolvConf,
            CgroupRoot = dataDir == DataDirectory.SystemDefault ? "/skiff" : "/skiff-" + hash,
            ServingCertificateSelector = servingSelector,
            Eviction = eviction ?? Kubelet.Eviction.EvictionOptions.Default,
            StaticPodPath = Path.GetFullPath(podManifestPath is { Length: > 0 } manifests ? manifests : new AgentPaths(dataDir).StaticPodManifests),
        };
    }

    /// <summary>Runs the agent with containerd supervised by this process, or on an existing CRI socket.</summary>
    public async Task RunAsync(NodeAgentOptions agentOptions, ApiConnection connection, System.Security.Cryptography.X509Certificates.X509Certificate2 serving, System.Security.Cryptography.X509Certificates.X509Certificate2 ca, string? runtimeEndpoint, CancellationToken cancellationToken)
    {
        var paths = new AgentPaths(agentOptions.DataDir);
        var external = runtimeEndpoint is { Length: > 0 } endpoint ? endpoint.StartsWith("unix://", StringComparison.Ordinal) ? endpoint["unix://".Length..] : endpoint : null;
        if (external is not null && !File.Exists(external))
        {
            throw new StartupException($"--container-runtime-endpoint: {external} does not exist");
        }

        var supervisor = external is null ? new ContainerdSupervisor(paths, _timeProvider, _loggerFactory.CreateLogger("Skiff.Containerd")) : null;
        using var runtime = new CriRuntime(external ?? paths.ContainerdSocket);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var containerd = Task.CompletedTask;
        var agent = new NodeAgent(agentOptions, connection, runtime, serving, ca, async ct =>
        {
            if (supervisor is null)
            {
                return;
            }

            supervisor.WriteConfig();
            containerd = Task.Run(() => supervisor.RunAsync(stop.Token), CancellationToken.None);
            await supervisor.Ready.WaitAsync(ct).ConfigureAwait(false);
        }, _timeProvider, _loggerFactory);
        try
        {
            await agent.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await containerd.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
