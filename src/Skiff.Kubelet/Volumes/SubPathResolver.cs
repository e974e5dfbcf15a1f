using System.Runtime.InteropServices;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Resolves a volumeMount's subPath inside its volume as the kubelet does (makeMounts + subpath's SafeMakeDir and
/// PrepareSafeSubpath): an absolute subPath or one containing '..' is refused; missing directories are created with
/// the volume directory's mode; every existing component, symlinks followed, must stay inside the volume, or the
/// mount fails with <c>failed to prepare subPath for volumeMount "m" of container "c"</c> (the kubelet keeps host
/// details out of the message). The result is the real path, with no symlink left in it, so the runtime bind-mounts
/// exactly what was checked (and, as in Kubernetes, a configMap key mounted by subPath does not see later updates).
/// </summary>
internal static class SubPathResolver
{
    /// <summary>The real host path of <paramref name="subPath"/> in <paramref name="volumePath"/>.</summary>
    /// <exception cref="CreateContainerConfigException">the subPath is invalid, escapes the volume or cannot be created.</exception>
    public static string Resolve(string volumePath, string subPath, string mountName, string containerName)
    {
        if (subPath.StartsWith('/'))
        {
            throw new CreateContainerConfigException($"error SubPath `{subPath}` must not be an absolute path");
        }

        if (subPath.Split('/').Any(p => p == ".."))
        {
            throw new CreateContainerConfigException($"unable to provision SubPath `{subPath}`: must not contain '..'");
        }

        var prepareFailed = $"failed to prepare subPath for volumeMount \"{mountName}\" of container \"{containerName}\"";
        var createFailed = $"failed to create subPath directory for volumeMount \"{mountName}\" of container \"{containerName}\"";
        var root = RealPath(volumePath) ?? throw new CreateContainerConfigException(prepareFailed);
        var current = root;
        foreach (var part in subPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            var next = Path.Combine(current, part);
            var isLink = new FileInfo(next).LinkTarget is not null;
            if (isLink || Path.Exists(next))
            {
                var real = RealPath(next);
                if (real is null || !Within(root, real))
                {
                    // A dangling link or one that leads out of the volume.
                    throw new CreateContainerConfigException(prepareFailed);
                }

                current = real;
                continue;
            }

            try
            {
                Directory.CreateDirectory(next);
                UnixFile.SetMode(next, UnixFile.GetMode(root));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CreateContainerConfigException(createFailed);
            }

            current = next;
        }

        return current;
    }

    private static bool Within(string root, string path) =>
        path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>realpath(3): the absolute path with every symlink, '.' and '..' resolved; null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var ptr = NativeRealPath(path, IntPtr.Zero);
        if (ptr == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(ptr);
        }
        finally
        {
            Free(ptr);
        }
    }

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern IntPtr NativeRealPath(string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr ptr);
}
