using System.Runtime.InteropServices;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Gives a volume to the pod's <c>securityContext.fsGroup</c> as the kubelet's SetVolumeOwnership does: every entry
/// (symlinks not followed) gets the group; files and directories get group read/write (read only for read-only
/// volumes) and directories also the execute bits and setgid, so files created later inherit the group. With
/// <c>fsGroupChangePolicy: OnRootMismatch</c> nothing is done when the volume's root already has the group and bits.
/// </summary>
internal static class VolumeOwnership
{
    private const int RwMask = 0x1B0;   // 0660
    private const int RoMask = 0x120;   // 0440
    private const int ExecMask = 0x48;  // 0110
    private const int SetGid = 0x400;   // 02000

    /// <summary>Applies <paramref name="fsGroup"/> to everything under <paramref name="dir"/>; no-op when it is null.</summary>
    public static void Apply(string dir, long? fsGroup, bool readOnly, string? changePolicy)
    {
        if (fsGroup is not { } gid || !Directory.Exists(dir))
        {
            return;
        }

        var mask = readOnly ? RoMask : RwMask;
        if (changePolicy == "OnRootMismatch" && FileKinds.GroupOf(dir) == gid
            && (UnixFile.GetMode(dir) & (mask | ExecMask | SetGid)) == (mask | ExecMask | SetGid))
        {
            return;
        }

        Walk(new DirectoryInfo(dir), (uint)gid, mask);
    }

    private static void Walk(FileSystemInfo entry, uint gid, int mask)
    {
        if (Lchown(entry.FullName, uint.MaxValue, gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"lchown {entry.FullName} to group {gid} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        if (entry.LinkTarget is not null)
        {
            // chmod would change the link's target, whose mode the volume plugin chose; the kubelet skips links too.
            return;
        }

        if (entry is DirectoryInfo d)
        {
            UnixFile.SetMode(d.FullName, UnixFile.GetMode(d.FullName) | mask | ExecMask | SetGid);
            foreach (var child in d.EnumerateFileSystemInfos())
            {
                Walk(child, gid, mask);
            }
        }
        else
        {
            UnixFile.SetMode(entry.FullName, UnixFile.GetMode(entry.FullName) | mask);
        }
    }

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int Lchown(string path, uint owner, uint group);
}
