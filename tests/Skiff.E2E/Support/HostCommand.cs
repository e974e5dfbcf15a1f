using System.Diagnostics;

namespace Skiff.E2E.Support;

/// <summary>Runs a command on the test host (ip, nsenter, skopeo, ...) and returns its exit code and combined output.</summary>
internal static class HostCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(180);

    /// <summary>Runs <paramref name="command"/>; with <paramref name="check"/> a non-zero exit throws, naming the command and its output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string[] command, bool check = true, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        await p.WaitForExitAsync(cts.Token);
        var output = await stdout + await stderr;
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({p.ExitCode}): {output}");
        }

        return (p.ExitCode, output);
    }

    /// <summary>The repository root (the folder holding Skiff.slnx) above the test binaries.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Skiff.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Skiff.slnx) above " + AppContext.BaseDirectory);
    }
}
