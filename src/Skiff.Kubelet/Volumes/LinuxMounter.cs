using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Kubelet.Volumes;

/// <summary>mount(2) and umount2(2) through libc, and /proc/self/mountinfo for what is mounted. Needs CAP_SYS_ADMIN.</summary>
internal sealed class LinuxMounter : IMounter
{
    private const ulong MsNoSuid = 2;
    private const ulong MsNoDev = 4;
    private const ulong MsBind = 4096;
    private const int MntDetach = 2;

    public void MountTmpfs(string target, long? sizeBytes)
    {
        var data = sizeBytes is { } size ? "size=" + size.ToString(CultureInfo.InvariantCulture) : null;
        if (NativeMethods.Mount("tmpfs", target, "tmpfs", MsNoSuid | MsNoDev, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mount tmpfs on {target} ({data ?? "no size limit"}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    public void Bind(string source, string target)
    {
        if (NativeMethods.Mount(source, target, null, MsBind, null) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"bind mount {source} on {target} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    public void Unmount(string target)
    {
        if (NativeMethods.Umount2(target, 0) == 0)
        {
            return;
        }

        // Busy (a container still holds it): detach now, the kernel frees it when the last user goes.
        if (NativeMethods.Umount2(target, MntDetach) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"unmount {target} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    public IReadOnlyList<string> MountPointsUnder(string path)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var result = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": the 5th field is the mount point.
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (mountPoint == root || mountPoint.StartsWith(root + "/", StringComparison.Ordinal))
            {
                result.Add(mountPoint);
            }
        }

        return result.Distinct().OrderByDescending(p => p.Length).ToList();
    }

    // A mount point has another mount ID than its parent directory (statx's STATX_MNT_ID, Linux 5.8): two system calls
    // instead of reading all of /proc/self/mountinfo, which grows with every pod's mounts and which each container start
    // would otherwise read whole. Kernels without the field fall back to mountinfo.
    public bool IsMountPoint(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.GetDirectoryName(full);
        if (parent is null)
        {
            return true;
        }

        if (MountId(full) is not { } own)
        {
            return Path.Exists(full) && MountPointsUnder(full).Contains(full);
        }

        return MountId(parent) is not { } parentId ? MountPointsUnder(full).Contains(full) : own != parentId;
    }

    private static ulong? MountId(string path)
    {
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxMountId = 0x1000;
        const int AtFdCwd = -100;

        // struct statx is 256 bytes; stx_mask is at offset 0 and stx_mnt_id at offset 144 (linux/stat.h).
        Span<byte> buffer = stackalloc byte[256];
        if (NativeMethods.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxMountId, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        var mask = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        return (mask & StatxMountId) == 0 ? null : System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(buffer[144..]);
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo octal.
    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.AsSpan(at, 3).IndexOfAnyExceptInRange('0', '7') < 0;

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "mount", SetLastError = true, CharSet = CharSet.Ansi)]
        public static extern int Mount(string source, string target, string? fstype, ulong flags, string? data);

        [DllImport("libc", EntryPoint = "umount2", SetLastError = true, CharSet = CharSet.Ansi)]
        public static extern int Umount2(string target, int flags);

        [DllImport("libc", EntryPoint = "statx", SetLastError = true, CharSet = CharSet.Ansi)]
        public static extern int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);
    }
}
