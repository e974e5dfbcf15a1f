using System.Net.Sockets;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

public sealed class HostPathTypeCheckerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public HostPathTypeCheckerTests()
    {
        Directory.CreateDirectory(_dir.Sub("dir"));
        File.WriteAllText(_dir.Sub("file"), "x");
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("dir", "Directory", null)]
    [InlineData("file", "Directory", "is not a directory")]
    [InlineData("missing", "Directory", "is not a directory")]
    [InlineData("file", "File", null)]
    [InlineData("dir", "File", "is not a file")]
    [InlineData("missing", "File", "is not a file")]
    [InlineData("file", "DirectoryOrCreate", "is not a directory")]
    [InlineData("dir", "FileOrCreate", "is not a file")]
    [InlineData("file", "Socket", "is not a socket file")]
    [InlineData("file", "CharDevice", "is not a character device")]
    [InlineData("dir", "BlockDevice", "is not a block device")]
    [InlineData("missing", "", null)]
    public void Check_follows_kubelet_rules(string name, string type, string? failure)
    {
        var path = _dir.Sub(name);
        var result = HostPathTypeChecker.Check(path, type);
        Assert.Equal(failure is null ? null : $"hostPath type check failed: {path} {failure}", result);
    }

    [Fact]
    public void OrCreate_types_create_what_is_missing()
    {
        var dir = _dir.Sub("made", "deep");
        Assert.Null(HostPathTypeChecker.Check(dir, "DirectoryOrCreate"));
        Assert.True(Directory.Exists(dir));
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), (UnixFileMode)UnixFile.GetMode(dir));

        var file = _dir.Sub("dir", "new.txt");
        Assert.Null(HostPathTypeChecker.Check(file, "FileOrCreate"));
        Assert.True(File.Exists(file));
        Assert.Equal(0, new FileInfo(file).Length);

        // FileOrCreate does not create the parent directory.
        var orphan = _dir.Sub("nope", "new.txt");
        Assert.Equal($"open {orphan}: no such file or directory", HostPathTypeChecker.Check(orphan, "FileOrCreate"));
    }

    [Fact]
    public void Devices_and_sockets_are_recognized()
    {
        Assert.Null(HostPathTypeChecker.Check("/dev/null", "CharDevice"));
        Assert.Equal("hostPath type check failed: /dev/null is not a block device", HostPathTypeChecker.Check("/dev/null", "BlockDevice"));
        var socketPath = _dir.Sub("s.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        Assert.Null(HostPathTypeChecker.Check(socketPath, "Socket"));
        Assert.Equal(FileKind.Socket, FileKinds.Of(socketPath));
        Assert.Equal("Weird is an invalid volume type", HostPathTypeChecker.Check(socketPath, "Weird"));
    }
}
