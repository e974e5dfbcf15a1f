using System.Diagnostics;

namespace Skiff.Kubelet.Images;

/// <summary>
/// Imports an image archive (OCI layout or docker save tar) into the node's containerd, namespace k8s.io where CRI
/// looks, with containerd's own <c>ctr</c> client (it unpacks for the default snapshotter).
/// </summary>
internal static class ImageImporter
{
    /// <summary>Runs <c>ctr --address SOCKET -n k8s.io images import FILE</c>; throws IOException with ctr's output on failure. Returns ctr's output.</summary>
    public static async Task<string> ImportAsync(string socket, string archive, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ctr") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--address", socket, "-n", "k8s.io", "images", "import", "--all-platforms", archive })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new IOException("cannot run ctr");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var output = (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            throw new IOException($"importing {archive} into containerd at {socket} failed: {output.Trim()}");
        }

        return output;
    }
}
