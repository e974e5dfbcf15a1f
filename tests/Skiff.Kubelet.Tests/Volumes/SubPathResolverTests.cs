using Skiff.Kubelet.Env;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

public sealed class SubPathResolverTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _volume;

    public SubPathResolverTests()
    {
        _volume = _dir.Sub("vol");
        Directory.CreateDirectory(_volume);
        UnixFile.SetMode(_volume, Convert.ToInt32("777", 8));
        Directory.CreateDirectory(_dir.Sub("outside"));
        File.WriteAllText(_dir.Sub("outside", "secret.txt"), "host data");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Missing_subpath_is_created_with_the_volume_mode()
    {
        var path = SubPathResolver.Resolve(_volume, "logs/app", "data", "web");
        Assert.Equal(Path.Combine(_volume, "logs", "app"), path);
        Assert.True(Directory.Exists(path));
        Assert.Equal((UnixFileMode)Convert.ToInt32("777", 8), (UnixFileMode)UnixFile.GetMode(path));
    }

    [Fact]
    public void Links_inside_the_volume_resolve_to_the_real_path()
    {
        Directory.CreateDirectory(Path.Combine(_volume, "..2026_x"));
        File.WriteAllText(Path.Combine(_volume, "..2026_x", "key"), "v");
        File.CreateSymbolicLink(Path.Combine(_volume, "..data"), "..2026_x");
        File.CreateSymbolicLink(Path.Combine(_volume, "key"), "..data/key");
        Assert.Equal(Path.Combine(_volume, "..2026_x", "key"), SubPathResolver.Resolve(_volume, "key", "cfg", "web"));
    }

    [Theory]
    [InlineData("/etc", "error SubPath `/etc` must not be an absolute path")]
    [InlineData("a/../../outside", "unable to provision SubPath `a/../../outside`: must not contain '..'")]
    [InlineData("..", "unable to provision SubPath `..`: must not contain '..'")]
    public void Invalid_subpaths_are_rejected(string subPath, string message)
    {
        var ex = Assert.Throws<CreateContainerConfigException>(() => SubPathResolver.Resolve(_volume, subPath, "data", "web"));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("escape")]
    [InlineData("escape/secret.txt")]
    [InlineData("abs")]
    [InlineData("dangling")]
    public void Symlink_escapes_are_refused(string subPath)
    {
        File.CreateSymbolicLink(Path.Combine(_volume, "escape"), "../outside");
        File.CreateSymbolicLink(Path.Combine(_volume, "abs"), "/etc");
        File.CreateSymbolicLink(Path.Combine(_volume, "dangling"), "/nonexistent/place");
        var ex = Assert.Throws<CreateContainerConfigException>(() => SubPathResolver.Resolve(_volume, subPath, "data", "web"));
        Assert.Equal("failed to prepare subPath for volumeMount \"data\" of container \"web\"", ex.Message);
        Assert.False(Directory.Exists("/nonexistent/place"));
    }
}
