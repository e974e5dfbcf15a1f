using System.CommandLine;

namespace Skiff.Cli;

/// <summary>The <c>skiff kubeconfig</c> command line.</summary>
internal sealed class KubeconfigCommandLine
{
    private readonly Option<string> _dataDir;

    /// <summary>Creates the command; <paramref name="defaultDataDir"/> supplies the <c>--data-dir</c> default.</summary>
    public KubeconfigCommandLine(Func<string> defaultDataDir)
    {
        _dataDir = new Option<string>("--data-dir", "-d")
        {
            Description = "The server's data directory",
            DefaultValueFactory = _ => defaultDataDir(),
        };
        Command = new Command("kubeconfig", "Print the admin kubeconfig of the server using this data directory")
        {
            _dataDir,
        };
    }

    /// <summary>The <c>kubeconfig</c> command; the caller sets its action.</summary>
    public Command Command { get; }

    /// <summary>The data directory chosen in <paramref name="parseResult"/>.</summary>
    public string DataDir(ParseResult parseResult) => parseResult.GetValue(_dataDir)!;
}
