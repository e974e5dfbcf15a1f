using System.Diagnostics;

namespace Skiff.Proxy.Tests;

/// <summary>
/// A network namespace created for one test and deleted afterwards. Rules are only ever applied inside it, never
/// in the host's root namespace.
/// </summary>
internal sealed class NetNs : IDisposable
{
    public NetNs()
    {
        Name = "skiff-t-" + Guid.NewGuid().ToString("N")[..8];
        Run("ip", "netns", "add", Name);
        Exec("ip", "link", "set", "lo", "up");
    }

    public string Name { get; }

    /// <summary>Runs a command inside the namespace and returns its standard output; throws on a non-zero exit.</summary>
    public string Exec(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    public static string Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1))
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new TimeoutException(string.Join(' ', command));
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited {p.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    public void Dispose()
    {
        try
        {
            Run("ip", "netns", "delete", Name);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
