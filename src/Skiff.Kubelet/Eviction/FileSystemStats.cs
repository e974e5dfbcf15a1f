using System.Globalization;
using System.Runtime.InteropServices;

namespace Skiff.Kubelet.Eviction;

/// <summary>A filesystem's space and inodes as statvfs(3) reports them (what cAdvisor gives kubelet for nodefs and imagefs).</summary>
/// <param name="AvailableBytes">Bytes an unprivileged user may still write (f_bavail × f_frsize), kubelet's AvailableBytes.</param>
/// <param name="CapacityBytes">The filesystem's size (f_blocks × f_frsize).</param>
/// <param name="InodesFree">Free inodes (f_ffree).</param>
/// <param name="Inodes">All inodes (f_files).</param>
/// <param name="Device">The major:minor of the mount holding the path, to tell whether two paths share a filesystem.</param>
internal sealed record FileSystemStats(long AvailableBytes, long CapacityBytes, long InodesFree, long Inodes, string Device)
{
    /// <summary>statvfs of <paramref name="path"/>, or null when it cannot be read.</summary>
    public static FileSystemStats? Of(string path)
    {
        if (Statvfs(path, out var buf) != 0)
        {
            return null;
        }

        var fragment = (long)(buf.FrSize != 0 ? buf.FrSize : buf.BSize);
        return new FileSystemStats((long)buf.BAvail * fragment, (long)buf.Blocks * fragment, (long)buf.FFree, (long)buf.Files, MountDevice(path) ?? "");
    }

    /// <summary>The device (major:minor) of the mount that holds <paramref name="path"/>, from /proc/self/mountinfo (longest mount point prefix).</summary>
    internal static string? MountDevice(string path, string mountinfo = "/proc/self/mountinfo")
    {
        string text;
        try
        {
            text = File.ReadAllText(mountinfo);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return MountDeviceOf(Path.GetFullPath(path), text);
    }

    /// <summary>The device of the longest mount point containing <paramref name="path"/> in mountinfo text (the last such mount wins).</summary>
    internal static string? MountDeviceOf(string path, string mountinfo)
    {
        string? device = null;
        var best = -1;
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ...
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }

            var mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            var inside = mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (inside && mountPoint.Length >= best)
            {
                best = mountPoint.Length;
                device = fields[2];
            }
        }

        return device;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct StatvfsBuffer
    {
        public ulong BSize;
        public ulong FrSize;
        public ulong Blocks;
        public ulong BFree;
        public ulong BAvail;
        public ulong Files;
        public ulong FFree;
        public ulong FAvail;
        public ulong Fsid;
        public ulong Flag;
        public ulong NameMax;
        public int Spare0;
        public int Spare1;
        public int Spare2;
        public int Spare3;
        public int Spare4;
        public int Spare5;
    }

    [DllImport("libc", EntryPoint = "statvfs", SetLastError = true)]
    private static extern int Statvfs([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out StatvfsBuffer buf);

    /// <summary>Parses a decimal counter, 0 when it is not one.</summary>
    internal static long ParseLong(string text) => long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
