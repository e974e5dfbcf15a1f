using System.Globalization;
using System.Runtime.InteropServices;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Pins a checked subPath so a container cannot swap a path component for a symlink between the check and the
/// runtime's bind mount (the kubelet's PrepareSafeSubpath, after CVE-2017-1002101): the resolved path is opened one
/// component at a time with O_NOFOLLOW from the volume root, and the opened descriptor (/proc/self/fd/N) is
/// bind-mounted on <c>&lt;podDir&gt;/volume-subpaths/&lt;volume&gt;/&lt;container&gt;/&lt;index&gt;</c>, which is what the
/// runtime then mounts. A component that became a symlink fails the open, and the mount fails with the kubelet's
/// <c>failed to prepare subPath for volumeMount "m" of container "c"</c>.
/// </summary>
internal sealed class SubPathPinner(IMounter mounter)
{
    /// <summary>The directory of a pod's pinned subPaths.</summary>
    public static string SubPathsDir(string podDir) => Path.Combine(podDir, "volume-subpaths");

    /// <summary>Checks <paramref name="subPath"/> (see <see cref="SubPathResolver"/>) and returns the pinned host path.</summary>
    /// <exception cref="CreateContainerConfigException">the subPath is invalid, escapes, or changed under us.</exception>
    public string Pin(string podDir, string volumePath, string subPath, string volumeName, string containerName, int mountIndex)
    {
        var resolved = SubPathResolver.Resolve(volumePath, subPath, volumeName, containerName);
        var failed = $"failed to prepare subPath for volumeMount \"{volumeName}\" of container \"{containerName}\"";
        var root = SubPathResolver.RealPath(volumePath) ?? throw new CreateContainerConfigException(failed);
        var target = Path.Combine(SubPathsDir(podDir), volumeName, containerName, mountIndex.ToString(CultureInfo.InvariantCulture));
        var fd = OpenNoFollow(root, Path.GetRelativePath(root, resolved));
        if (fd < 0)
        {
            throw new CreateContainerConfigException(failed);
        }

        try
        {
            var source = $"/proc/self/fd/{fd}";
            var isDir = FileKinds.Of(source) == FileKind.Directory;
            if (mounter.IsMountPoint(target))
            {
                // A restarted container: pin afresh, the old pin may be of an older check.
                mounter.Unmount(target);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (isDir)
            {
                if (File.Exists(target))
                {
                    File.Delete(target);
                }

                Directory.CreateDirectory(target);
            }
            else
            {
                if (Directory.Exists(target))
                {
                    Directory.Delete(target);
                }

                using (new FileStream(target, FileMode.OpenOrCreate, FileAccess.Write))
                {
                }
            }

            mounter.Bind(source, target);
            return target;
        }
        catch (IOException)
        {
            throw new CreateContainerConfigException(failed);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // Opens root/relative with every component opened by openat(O_NOFOLLOW): no symlink is followed anywhere.
    internal static int OpenNoFollow(string root, string relative)
    {
        var (noFollow, directory) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (0x20000, 0x10000),
            Architecture.Arm64 => (0x8000, 0x4000),
            var a => throw new PlatformNotSupportedException($"open flags of {a} are not known"),
        };
        const int oPath = 0x200000;
        const int oCloexec = 0x80000;
        var fd = Open(root, oPath | oCloexec | noFollow | directory);
        if (fd < 0)
        {
            return -1;
        }

        foreach (var part in relative == "." ? [] : relative.Split('/'))
        {
            var next = OpenAt(fd, part, oPath | oCloexec | noFollow);
            _ = Close(fd);
            if (next < 0)
            {
                return -1;
            }

            fd = next;

            // O_PATH|O_NOFOLLOW on a symlink opens the link itself: refuse it.
            if (IsSymlinkFd(fd))
            {
                _ = Close(fd);
                return -1;
            }
        }

        return fd;
    }

    private static bool IsSymlinkFd(int fd)
    {
        var buffer = new byte[256];
        if (Fstatat(fd, "", buffer, 0x1000 /* AT_EMPTY_PATH */ | 0x100 /* AT_SYMLINK_NOFOLLOW */) != 0)
        {
            return true;
        }

        var offset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        return (BitConverter.ToUInt32(buffer, offset) & 0xF000) == 0xA000; // S_IFLNK
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int OpenAt(int dirfd, string path, int flags);

    [DllImport("libc", EntryPoint = "fstatat", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int Fstatat(int dirfd, string path, byte[] buffer, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static extern int Close(int fd);
}
