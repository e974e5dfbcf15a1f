using System.CommandLine;
using Skiff.Agent;
using Skiff.Logging;

namespace Skiff.Cli;

/// <summary>
/// The <c>skiff agent</c> command line: join a server with <c>--server URL --token TOKEN</c>, or, for a server on this
/// machine, <c>--server-data-dir SDIR</c> (the agent then signs its identity with that server's CA).
/// </summary>
internal sealed class AgentCommandLine
{
    private readonly Option<string> _dataDir = new("--data-dir", "-d") { Description = "The agent's own data directory (credentials, containerd, CNI, logs)", Required = true };
    private readonly Option<string?> _server = new("--server", "-s") { Description = "URL of the server to join, e.g. https://192.168.1.10:6443 (with --token)" };
    private readonly Option<string?> _token = new("--token", "-t") { Description = "Join token from `skiff token create` (K10<CA hash>::<id>.<secret>)" };
    private readonly Option<string?> _caCertHash = new("--ca-cert-hash") { Description = "sha256:<hash> of the cluster CA, for a token given as <id>.<secret>" };
    private readonly Option<string?> _serverDataDir = new("--server-data-dir") { Description = "Instead of --server/--token: the data directory of a `skiff server` on this machine (its kubeconfig and cluster CA)" };
    private readonly AgentFlags _agent = new();
    private readonly ServiceNetworkingCommandLine _networking = new();

    public AgentCommandLine()
    {
        Command = new Command("agent", "Run a node agent that joins a skiff server (--server URL --token TOKEN)") { _dataDir, _server, _token, _caCertHash, _serverDataDir };
        _agent.AddTo(Command);
        _networking.AddTo(Command);
        Command.Validators.Add(result =>
        {
            var server = result.GetValue(_server);
            var serverDataDir = result.GetValue(_serverDataDir);
            if (server is null && serverDataDir is null)
            {
                result.AddError("skiff agent needs --server URL --token TOKEN (or --server-data-dir for a server on this machine)");
            }
            else if (server is not null && serverDataDir is not null)
            {
                result.AddError("--server and --server-data-dir exclude each other");
            }
            else if (server is not null && string.IsNullOrEmpty(result.GetValue(_token)))
            {
                result.AddError("--server needs --token (make one with `skiff token create` on the server)");
            }
        });
        Command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var loggerFactory = ConsoleLogging.Create();
            if (parseResult.GetValue(_server) is { } server)
            {
                return await AgentCommand.RunJoinAsync(new JoinSettings
                {
                    Server = server,
                    Token = parseResult.GetValue(_token)!,
                    CaCertHash = parseResult.GetValue(_caCertHash),
                    DataDir = parseResult.GetValue(_dataDir)!,
                    NodeName = _agent.NodeName(parseResult),
                    NodeIp = _agent.NodeIp(parseResult),
                    KubeletPort = _agent.KubeletPort(parseResult),
                    RuntimeEndpoint = _agent.ContainerRuntimeEndpoint(parseResult),
                    Eviction = _agent.Eviction(parseResult),
                    Networking = _networking.Bind(parseResult),
                }, loggerFactory, cancellationToken).ConfigureAwait(false);
            }

            return await AgentCommand.RunAsync(
                parseResult.GetValue(_serverDataDir)!,
                parseResult.GetValue(_dataDir)!,
                _agent.NodeName(parseResult),
                _agent.NodeIp(parseResult),
                _agent.KubeletPort(parseResult),
                _agent.ContainerRuntimeEndpoint(parseResult),
                _agent.PodManifestPath(parseResult),
                _agent.Eviction(parseResult),
                loggerFactory,
                cancellationToken).ConfigureAwait(false);
        });
    }

    public Command Command { get; }
}
