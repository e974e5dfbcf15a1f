using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

public sealed class LinuxMounterTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly LinuxMounter _mounter = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void IsMountPoint_TmpfsOnADirectory_TrueUntilUnmounted()
    {
        var dir = Directory.CreateDirectory(_dir.Sub("tmp")).FullName;
        Assert.False(_mounter.IsMountPoint(dir));

        _mounter.MountTmpfs(dir, 1 << 20);
        Assert.True(_mounter.IsMountPoint(dir));
        Assert.True(_mounter.IsMountPoint(dir + "/"));
        Assert.Equal(_mounter.MountPointsUnder(dir).Contains(dir), _mounter.IsMountPoint(dir));

        // Inside the tmpfs nothing else is mounted.
        var inner = Directory.CreateDirectory(Path.Combine(dir, "inner")).FullName;
        Assert.False(_mounter.IsMountPoint(inner));

        _mounter.Unmount(dir);
        Assert.False(_mounter.IsMountPoint(dir));
    }

    [Fact]
    public void IsMountPoint_FileBindMountedOnAFile_True()
    {
        var source = _dir.Sub("source.txt");
        var target = _dir.Sub("target.txt");
        File.WriteAllText(source, "a");
        File.WriteAllText(target, "b");

        _mounter.Bind(source, target);

        Assert.True(_mounter.IsMountPoint(target));
        Assert.False(_mounter.IsMountPoint(source));
        Assert.Equal("a", File.ReadAllText(target));
    }

    [Fact]
    public void IsMountPoint_MissingPath_False() =>
        Assert.False(_mounter.IsMountPoint(_dir.Sub("missing", "dir")));
}
