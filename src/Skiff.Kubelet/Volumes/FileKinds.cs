using System.Runtime.InteropServices;

namespace Skiff.Kubelet.Volumes;

/// <summary>stat(2) through libc: only st_mode is read (its offset in struct stat differs by architecture).</summary>
internal static class FileKinds
{
    public static FileKind Of(string path)
    {
        var buffer = new byte[256];
        if (Stat(path, buffer) != 0)
        {
            return FileKind.Missing;
        }

        var offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,    // st_dev, st_ino, st_nlink (8 bytes each), st_mode
            Architecture.Arm64 => 16,  // st_dev, st_ino, st_mode
            var a => throw new PlatformNotSupportedException($"stat layout of {a} is not known"),
        };
        var mode = BitConverter.ToUInt32(buffer, offset) & 0xF000; // S_IFMT
        return mode switch
        {
            0x4000 => FileKind.Directory,
            0x8000 => FileKind.File,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            _ => FileKind.Other,
        };
    }

    /// <summary>The group ID of <paramref name="path"/> (links followed), or -1 when it does not exist.</summary>
    public static long GroupOf(string path)
    {
        var buffer = new byte[256];
        if (Stat(path, buffer) != 0)
        {
            return -1;
        }

        var offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 32,        // st_dev, st_ino, st_nlink (8 each), st_mode (4), st_uid (4), st_gid
            Architecture.Arm64 => 28,      // st_dev, st_ino (8 each), st_mode, st_nlink, st_uid (4 each), st_gid
            var a => throw new PlatformNotSupportedException($"stat layout of {a} is not known"),
        };
        return BitConverter.ToUInt32(buffer, offset);
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true, CharSet = CharSet.Ansi)]
    private static extern int Stat(string path, byte[] buffer);
}
