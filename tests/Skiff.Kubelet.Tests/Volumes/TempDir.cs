using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

/// <summary>A temporary directory that is unmounted (anything a test mounted under it) and removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("skiff-vol-").FullName;
    }

    public string Path { get; }

    public string Sub(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        var mounter = new LinuxMounter();
        foreach (var m in mounter.MountPointsUnder(Path))
        {
            mounter.Unmount(m);
        }

        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
