namespace Skiff.Kubelet.Volumes;

/// <summary>The type of a file system object, from stat(2) (following symlinks, as the kubelet's hostPath checks do).</summary>
internal enum FileKind
{
    Missing,
    Directory,
    File,
    Socket,
    CharDevice,
    BlockDevice,
    Fifo,
    Other,
}
