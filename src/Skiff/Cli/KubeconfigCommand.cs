using Skiff.Server;

namespace Skiff.Cli;

/// <summary>
/// <c>skiff kubeconfig</c>: prints the admin kubeconfig that the server wrote at its last start. The
/// server writes it (rather than this command building one) because only the running server knows the
/// address and port it is reachable at.
/// </summary>
internal static class KubeconfigCommand
{
    /// <summary>Writes the kubeconfig to <paramref name="output"/>; returns the exit code.</summary>
    public static int Run(string dataDir, TextWriter output, TextWriter error)
    {
        var path = new DataDirectory(dataDir).KubeconfigPath;
        try
        {
            output.Write(File.ReadAllText(path));
            return 0;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine($"skiff: no kubeconfig at {path}: start `skiff server --data-dir {dataDir}` first");
            return 1;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            error.WriteLine($"skiff: cannot read {path}: {ex.Message}");
            return 1;
        }
    }
}
