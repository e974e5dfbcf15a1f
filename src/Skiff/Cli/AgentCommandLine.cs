using System.CommandLine;
using Skiff.Agent;
using Skiff.Logging;

namespace Skiff.Cli;

/// <summary>The <c>skiff agent</c> command line: a node agent alone, for a server on this machine.</summary>
internal sealed class AgentCommandLine
{
    private readonly Option<string> _dataDir = new("--data-dir", "-d") { Description = "The agent's own data directory (containerd, CNI, logs)", Required = true };
    private readonly Option<string> _serverDataDir = new("--server-data-dir") { Description = "The data directory of the `skiff server` on this machine to join (its kubeconfig and cluster CA)", Required = true };
    private readonly AgentFlags _agent = new();

    public AgentCommandLine()
    {
        Command = new Command("agent", "Run a node agent alone, for a skiff server on this machine") { _dataDir, _serverDataDir };
        _agent.AddTo(Command);
        Command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var loggerFactory = ConsoleLogging.Create();
            return await AgentCommand.RunAsync(
                parseResult.GetValue(_serverDataDir)!,
                parseResult.GetValue(_dataDir)!,
                _agent.NodeName(parseResult),
                _agent.NodeIp(parseResult),
                _agent.KubeletPort(parseResult),
                _agent.ContainerRuntimeEndpoint(parseResult),
                _agent.PodManifestPath(parseResult),
                loggerFactory,
                cancellationToken).ConfigureAwait(false);
        });
    }

    public Command Command { get; }
}
