using System.Text;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

public sealed class AtomicWriterTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 2, 14, 4, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private static FileProjection F(string text, int mode = 420) => new(Encoding.UTF8.GetBytes(text), mode);

    private string Read(string rel) => File.ReadAllText(Path.Combine(_dir.Path, rel));

    [Fact]
    public void Write_creates_the_kubelet_layout()
    {
        var writer = new AtomicWriter(_time);
        Assert.True(writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["game.properties"] = F("lives=3"), ["conf/ui.ini"] = F("color=red", 256) }));

        var data = new FileInfo(Path.Combine(_dir.Path, "..data")).LinkTarget;
        Assert.NotNull(data);
        Assert.StartsWith("..2026_11_26_02_14_04.", data);
        Assert.True(Directory.Exists(Path.Combine(_dir.Path, data)));
        Assert.Equal("..data/game.properties", new FileInfo(Path.Combine(_dir.Path, "game.properties")).LinkTarget);
        Assert.Equal("..data/conf", new FileInfo(Path.Combine(_dir.Path, "conf")).LinkTarget);
        Assert.Equal("lives=3", Read("game.properties"));
        Assert.Equal("color=red", Read("conf/ui.ini"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, (UnixFileMode)UnixFile.GetMode(Path.Combine(_dir.Path, data, "game.properties")));
        Assert.Equal(UnixFileMode.UserRead, (UnixFileMode)UnixFile.GetMode(Path.Combine(_dir.Path, data, "conf/ui.ini")));
        Assert.Equal([data, "..data", "conf", "game.properties"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Unchanged_payload_is_not_rewritten()
    {
        var writer = new AtomicWriter(_time);
        var payload = new Dictionary<string, FileProjection> { ["a"] = F("1") };
        Assert.True(writer.Write(_dir.Path, payload));
        var before = new FileInfo(Path.Combine(_dir.Path, "..data")).LinkTarget;
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(writer.Write(_dir.Path, payload));
        Assert.Equal(before, new FileInfo(Path.Combine(_dir.Path, "..data")).LinkTarget);
        Assert.False(writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["a"] = F("1", 384) })); // content decides, as in the kubelet
        Assert.True(writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["a"] = F("2") }));
        Assert.True(writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["a"] = F("2"), ["b"] = F("") }));
    }

    [Fact]
    public void Update_swaps_data_removes_old_names_and_old_version()
    {
        var writer = new AtomicWriter(_time);
        writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["keep"] = F("v1"), ["gone"] = F("x") });
        var oldTs = new FileInfo(Path.Combine(_dir.Path, "..data")).LinkTarget!;
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["keep"] = F("v2"), ["new"] = F("y") }));

        var newTs = new FileInfo(Path.Combine(_dir.Path, "..data")).LinkTarget!;
        Assert.NotEqual(oldTs, newTs);
        Assert.StartsWith("..2026_11_26_02_15_05.", newTs);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, oldTs)));
        Assert.Equal("v2", Read("keep"));
        Assert.Equal("y", Read("new"));
        Assert.False(Path.Exists(Path.Combine(_dir.Path, "gone")));
        Assert.Null(new FileInfo(Path.Combine(_dir.Path, "gone")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(_dir.Path, "..data_tmp")));
    }

    [Fact]
    public void Empty_payload_leaves_an_empty_volume()
    {
        var writer = new AtomicWriter(_time);
        writer.Write(_dir.Path, new Dictionary<string, FileProjection> { ["a"] = F("1") });
        Assert.True(writer.Write(_dir.Path, new Dictionary<string, FileProjection>()));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_dir.Path), e => !Path.GetFileName(e).StartsWith("..", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/etc/passwd", "invalid path: must be relative path: /etc/passwd")]
    [InlineData("a/../../b", "invalid path: must not contain '..': a/../../b")]
    [InlineData("..data", "invalid path: must not start with '..': ..data")]
    [InlineData("..", "invalid path: must not contain '..': ..")]
    public void Invalid_paths_are_rejected(string path, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new AtomicWriter(_time).Write(_dir.Path, new Dictionary<string, FileProjection> { [path] = F("x") }));
        Assert.Equal(message, ex.Message);
        Assert.False(Path.Exists(Path.Combine(_dir.Path, "..data")));
    }
}
