using System.Diagnostics;

namespace Skiff.Proxy.Nft;

/// <summary>Feeds a rendered transaction to `nft -f -`, optionally inside a named network namespace.</summary>
internal sealed class NftApplier(string nftPath = "nft", string? networkNamespace = null)
{
    /// <summary>Applies <paramref name="transaction"/>; throws <see cref="NftException"/> with nft's message on failure.</summary>
    public Task ApplyAsync(string transaction, CancellationToken cancellationToken) =>
        RunAsync(["-f", "-"], transaction, cancellationToken);

    /// <summary>Runs nft with <paramref name="args"/> and returns its standard output.</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> args, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (networkNamespace is null)
        {
            start.FileName = nftPath;
        }
        else
        {
            start.FileName = "ip";
            foreach (var a in new[] { "netns", "exec", networkNamespace, nftPath })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new NftException($"could not start {start.FileName}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new NftException($"could not start {start.FileName}: {ex.Message}");
        }

        using var _ = process;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var output = await stdout.ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new NftException($"nft {string.Join(' ', args)} failed with exit code {process.ExitCode}: {error.Trim()}");
        }

        return output;
    }
}
