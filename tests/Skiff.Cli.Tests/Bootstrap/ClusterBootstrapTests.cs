using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Bootstrap;
using Skiff.Cli.Tests.Support;
using Skiff.Storage;
using Skiff.Storage.Sqlite;

namespace Skiff.Cli.Tests.Bootstrap;

/// <summary>Two "servers" (two data directories) on one real SQLite store, sharing the cluster's secrets through the bootstrap data.</summary>
public sealed class ClusterBootstrapTests : IAsyncLifetime
{
    private static readonly IReadOnlyList<ClusterSecretFile> Files =
    [
        new("tls/ca.key", ClusterSecretPolicy.Fixed),
        new("tokens.csv", ClusterSecretPolicy.NewestWins),
    ];

    private readonly TempDirectory _dir = new();
    private IStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = _dir.Combine("db", "state.db") }, NullLogger.Instance);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task FirstServer_StoresSealedFiles_SecondServerGetsTheSameFiles()
    {
        var first = _dir.Combine("a");
        await Bootstrap(first, "token").SyncAsync(() => CreateMissing(first, "A"), default);

        var stored = await _store.GetAsync(BootstrapKey.Derive("token").StoreKey);
        Assert.NotNull(stored);
        Assert.DoesNotContain("tls/ca.key-A", Encoding.UTF8.GetString(stored.Value.Span), StringComparison.Ordinal);

        var second = _dir.Combine("b");
        await Bootstrap(second, "token").SyncAsync(() => CreateMissing(second, "B"), default);

        Assert.Equal("tls/ca.key-A", File.ReadAllText(Path.Combine(second, "tls", "ca.key")));
        Assert.Equal("tokens.csv-A", File.ReadAllText(Path.Combine(second, "tokens.csv")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(second, "tls", "ca.key")));
    }

    [Fact]
    public async Task WrongToken_FailsNamingTheOtherClustersData_AndWritesNothing()
    {
        var first = _dir.Combine("a");
        await Bootstrap(first, "token").SyncAsync(() => CreateMissing(first, "A"), default);

        var second = _dir.Combine("b");
        var ex = await Assert.ThrowsAsync<BootstrapDataException>(() => Bootstrap(second, "not-the-token").SyncAsync(() => CreateMissing(second, "B"), default));

        Assert.Contains("sealed with a different server token", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(second, "tls", "ca.key")));
        Assert.Single((await _store.RangeAsync(BootstrapKey.Prefix)).Items);
    }

    [Fact]
    public async Task TamperedBootstrapData_FailsClearly()
    {
        var first = _dir.Combine("a");
        await Bootstrap(first, "token").SyncAsync(() => CreateMissing(first, "A"), default);
        var key = BootstrapKey.Derive("token").StoreKey;
        var stored = (await _store.GetAsync(key))!;
        var bytes = stored.Value.ToArray();
        bytes[^3] ^= 0x40;
        Assert.True((await _store.UpdateAsync(key, bytes, stored.ModRevision)).Succeeded);

        var ex = await Assert.ThrowsAsync<BootstrapDataException>(() => Bootstrap(_dir.Combine("b"), "token").SyncAsync(() => CreateMissing(_dir.Combine("b"), "B"), default));

        Assert.Contains("altered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalFixedFileFromAnotherCluster_IsAnErrorNamingTheFile()
    {
        var first = _dir.Combine("a");
        await Bootstrap(first, "token").SyncAsync(() => CreateMissing(first, "A"), default);
        var second = _dir.Combine("b");
        CreateMissing(second, "B");

        var ex = await Assert.ThrowsAsync<StartupException>(() => Bootstrap(second, "token").SyncAsync(() => CreateMissing(second, "B"), default));

        Assert.Contains(Path.Combine(second, "tls", "ca.key"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("another cluster", ex.Message, StringComparison.Ordinal);
        Assert.Equal("tls/ca.key-B", File.ReadAllText(Path.Combine(second, "tls", "ca.key")));
    }

    [Fact]
    public async Task NewestWinsFile_EditedLocally_GoesToTheDatastore_AndToTheOtherServer()
    {
        var first = _dir.Combine("a");
        var second = _dir.Combine("b");
        await Bootstrap(first, "token").SyncAsync(() => CreateMissing(first, "A"), default);
        await Bootstrap(second, "token").SyncAsync(() => CreateMissing(second, "B"), default);

        var tokens = Path.Combine(first, "tokens.csv");
        File.WriteAllText(tokens, "tokens-A-edited");
        File.SetLastWriteTimeUtc(tokens, DateTime.UtcNow.AddMinutes(1));
        await Bootstrap(first, "token").SyncAsync(() => { }, default);
        await Bootstrap(second, "token").SyncAsync(() => { }, default);

        Assert.Equal("tokens-A-edited", File.ReadAllText(Path.Combine(second, "tokens.csv")));
    }

    [Fact]
    public async Task FileAddedToTheList_IsCreatedOnceAndShared()
    {
        var first = _dir.Combine("a");
        var second = _dir.Combine("b");
        await Bootstrap(first, "token").SyncAsync(() => CreateMissing(first, "A"), default);

        // A newer version shares one more file: the first server to start with it creates and stores it.
        List<ClusterSecretFile> more = [.. Files, new("tls/encryption.key", ClusterSecretPolicy.Fixed)];
        await Bootstrap(first, "token", more).SyncAsync(() => CreateMissing(first, "A", more), default);
        await Bootstrap(second, "token", more).SyncAsync(() => CreateMissing(second, "B", more), default);

        Assert.Equal("tls/encryption.key-A", File.ReadAllText(Path.Combine(second, "tls", "encryption.key")));
        Assert.Equal("tls/ca.key-A", File.ReadAllText(Path.Combine(second, "tls", "ca.key")));
    }

    [Fact]
    public async Task TwoFirstStartsRacing_BothEndWithTheWinnersFiles()
    {
        var a = _dir.Combine("a");
        var b = _dir.Combine("b");
        // B creates its files, then A stores first: B's create-if-absent write loses and B takes A's files.
        var bootstrapB = Bootstrap(b, "token");
        var raced = false;
        await bootstrapB.SyncAsync(() =>
        {
            CreateMissing(b, "B");
            if (!raced)
            {
                raced = true;
                Bootstrap(a, "token").SyncAsync(() => CreateMissing(a, "A"), default).GetAwaiter().GetResult();
            }
        }, default);

        Assert.Equal("tls/ca.key-A", File.ReadAllText(Path.Combine(b, "tls", "ca.key")));
        Assert.Equal("tokens.csv-A", File.ReadAllText(Path.Combine(b, "tokens.csv")));
    }

    private ClusterBootstrap Bootstrap(string serverDirectory, string token, IReadOnlyList<ClusterSecretFile>? files = null) =>
        new(_store, BootstrapKey.Derive(token), serverDirectory, NullLogger.Instance, files ?? Files);

    /// <summary>What the server's create-missing step does: makes each absent file of the list ("PATH-TAG"), leaving present ones alone.</summary>
    private static void CreateMissing(string serverDirectory, string tag, IReadOnlyList<ClusterSecretFile>? files = null)
    {
        foreach (var file in files ?? Files)
        {
            var full = Path.Combine(serverDirectory, file.RelativePath);
            if (!File.Exists(full))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, $"{file.RelativePath}-{tag}");
            }
        }
    }
}
