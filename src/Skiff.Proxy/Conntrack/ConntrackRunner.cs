using System.Diagnostics;

namespace Skiff.Proxy.Conntrack;

/// <summary>Runs the <c>conntrack</c> tool (conntrack-tools), optionally inside a named network namespace.</summary>
internal sealed class ConntrackRunner(string conntrackPath = "conntrack", string? networkNamespace = null)
{
    /// <summary>
    /// Deletes the entries one argument list selects. conntrack exits 1 when nothing matched ("0 flow entries have been
    /// deleted"), which is success here; other failures throw <see cref="InvalidOperationException"/> with its message.
    /// </summary>
    public async Task DeleteAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (networkNamespace is null)
        {
            start.FileName = conntrackPath;
        }
        else
        {
            start.FileName = "ip";
            foreach (var a in new[] { "netns", "exec", networkNamespace, conntrackPath })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var error = (await stderr.ConfigureAwait(false)) + (await stdout.ConfigureAwait(false));
        if (process.ExitCode != 0 && !error.Contains("0 flow entries", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"conntrack {string.Join(' ', args)} failed with exit code {process.ExitCode}: {error.Trim()}");
        }
    }
}
