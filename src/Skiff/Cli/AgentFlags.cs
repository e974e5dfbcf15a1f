using System.CommandLine;
using System.Net;

namespace Skiff.Cli;

/// <summary>The node agent's flags, shared by <c>skiff server</c> and <c>skiff agent</c> (names as k3s's).</summary>
internal sealed class AgentFlags
{
    private readonly Option<string?> _nodeName = new("--node-name") { Description = "The node's name (default: the host name)" };
    private readonly Option<string?> _nodeIp = new("--node-ip") { Description = "The node's InternalIP (default: the first non-loopback IPv4 address, else 127.0.0.1)" };
    private readonly Option<int> _kubeletPort = new("--kubelet-port") { Description = "HTTPS port of the node agent's server (logs); 0 picks a free one", DefaultValueFactory = _ => 10250 };
    private readonly Option<string?> _runtimeEndpoint = new("--container-runtime-endpoint") { Description = "An existing CRI socket (unix path) to use instead of starting containerd" };
    private readonly Option<string?> _podManifestPath = new("--pod-manifest-path") { Description = "Directory of static pod manifests (default: DATA/agent/pod-manifests)" };

    public AgentFlags()
    {
        _nodeIp.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !IPAddress.TryParse(result.Tokens[0].Value, out _))
            {
                result.AddError($"--node-ip: '{result.Tokens[0].Value}' is not an IP address");
            }
        });
        _kubeletPort.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var value) && value is < 0 or > 65535)
            {
                result.AddError($"--kubelet-port: {value} is not a port number (0-65535)");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_nodeName);
        command.Options.Add(_nodeIp);
        command.Options.Add(_kubeletPort);
        command.Options.Add(_runtimeEndpoint);
        command.Options.Add(_podManifestPath);
    }

    public string? NodeName(ParseResult parseResult) => parseResult.GetValue(_nodeName);

    public string? NodeIp(ParseResult parseResult) => parseResult.GetValue(_nodeIp);

    public int KubeletPort(ParseResult parseResult) => parseResult.GetValue(_kubeletPort);

    public string? ContainerRuntimeEndpoint(ParseResult parseResult) => parseResult.GetValue(_runtimeEndpoint);

    public string? PodManifestPath(ParseResult parseResult) => parseResult.GetValue(_podManifestPath);
}
