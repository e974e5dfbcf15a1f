namespace Skiff.Kubelet.Volumes;

/// <summary>The few mount operations the volume manager needs. <see cref="LinuxMounter"/> is the real one (root only).</summary>
internal interface IMounter
{
    /// <summary>Mounts a tmpfs on <paramref name="target"/> (an existing directory), limited to <paramref name="sizeBytes"/> when given.</summary>
    void MountTmpfs(string target, long? sizeBytes);

    /// <summary>Bind-mounts <paramref name="source"/> (a file, directory or /proc/self/fd/N) on <paramref name="target"/>.</summary>
    void Bind(string source, string target);

    /// <summary>Unmounts <paramref name="target"/>.</summary>
    void Unmount(string target);

    /// <summary>The mount points at or below <paramref name="path"/>, deepest first.</summary>
    IReadOnlyList<string> MountPointsUnder(string path);

    /// <summary>Whether something is mounted on <paramref name="path"/> itself (false when it does not exist).</summary>
    bool IsMountPoint(string path);
}
