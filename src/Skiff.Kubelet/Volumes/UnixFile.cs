namespace Skiff.Kubelet.Volumes;

/// <summary>Permission bits of files and directories (the node agent runs on Linux only; the guard satisfies the platform analyzer).</summary>
internal static class UnixFile
{
    /// <summary>Sets the permission bits (e.g. 0644) of <paramref name="path"/>, ignoring the umask.</summary>
    public static void SetMode(string path, int mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the node agent runs on Linux only");
        }

        File.SetUnixFileMode(path, (UnixFileMode)(mode & 0xFFF));
    }

    /// <summary>The permission bits of <paramref name="path"/>.</summary>
    public static int GetMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the node agent runs on Linux only");
        }

        return (int)File.GetUnixFileMode(path);
    }
}
