using System.CommandLine;
using AgentPaths = Skiff.Kubelet.Host.AgentPaths;
using Skiff.Kubelet.Images;

namespace Skiff.Cli;

/// <summary>
/// <c>skiff images import [--data-dir DIR] FILE.tar</c>: loads an image archive (OCI layout or docker save) into the
/// containerd of the node whose data directory is DIR, in CRI's k8s.io namespace, for air-gapped nodes.
/// </summary>
internal sealed class ImagesCommandLine
{
    private readonly Option<string> _dataDir;
    private readonly Argument<string> _file = new("FILE") { Description = "The image archive (.tar): an OCI image layout or a docker save archive" };

    public ImagesCommandLine(Func<string> defaultDataDir)
    {
        _dataDir = new Option<string>("--data-dir", "-d")
        {
            Description = "The node's data directory (its containerd socket is DATA/agent/containerd/containerd.sock)",
            DefaultValueFactory = _ => defaultDataDir(),
        };
        var import = new Command("import", "Import an image archive into the node's containerd") { _dataDir, _file };
        import.SetAction(async (parseResult, cancellationToken) => await ImportAsync(parseResult.GetValue(_dataDir)!, parseResult.GetValue(_file)!, cancellationToken).ConfigureAwait(false));
        Command = new Command("images", "Manage the node's images") { import };
    }

    public Command Command { get; }

    private static async Task<int> ImportAsync(string dataDir, string file, CancellationToken cancellationToken)
    {
        var socket = new AgentPaths(dataDir).ContainerdSocket;
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"skiff: {file} does not exist").ConfigureAwait(false);
            return 1;
        }

        if (!File.Exists(socket))
        {
            await Console.Error.WriteLineAsync($"skiff: no containerd socket at {socket}: start `skiff server --data-dir {dataDir}` (or `skiff agent`) first").ConfigureAwait(false);
            return 1;
        }

        try
        {
            var output = await ImageImporter.ImportAsync(socket, Path.GetFullPath(file), cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteAsync(output).ConfigureAwait(false);
            return 0;
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync("skiff: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
