using System.Text;
using Skiff.Storage.Snapshots;
using Skiff.Storage.Sqlite;

namespace Skiff.Storage.Tests.Snapshots;

public sealed class StoreSnapshotTests : IAsyncLifetime
{
    private readonly TestDirectory _directory = new();
    private SqliteStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = _directory.File("store.db"), CompactionInterval = TimeSpan.Zero }, null);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task SaveThenChangeThenRestore_LeavesExactlyTheSavedKeysAndValues()
    {
        await Put("/registry/a", "1");
        await Put("/registry/b", "2");
        for (var i = 0; i < 1200; i++)
        {
            await Put($"/registry/many/{i:D4}", new string('x', i % 50));
        }

        var file = _directory.File("snap.db");
        var saved = await StoreSnapshot.SaveAsync(_store, file);
        var before = await AllAsync();

        var b = await _store.GetAsync("/registry/b");
        await _store.UpdateAsync("/registry/b", V("changed"), b!.ModRevision);
        await _store.DeleteAsync("/registry/a");
        await Put("/registry/c", "new");
        var revisionBeforeRestore = await _store.GetCurrentRevisionAsync();

        var restored = await StoreSnapshot.RestoreAsync(_store, file);

        Assert.Equal(1202, saved.Keys);
        Assert.Equal(saved, restored);
        Assert.Equal(before, await AllAsync());
        Assert.True(await _store.GetCurrentRevisionAsync() > revisionBeforeRestore, "restore writes new revisions; revisions never go back");
    }

    [Fact]
    public async Task Save_WhileWritersRun_IsOneConsistentRevision()
    {
        await Put("/registry/x/0", "0");
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                await Put($"/registry/x/{i}", i.ToString());
            }
        });
        var saved = await StoreSnapshot.SaveAsync(_store, _directory.File("snap"));
        await stop.CancelAsync();
        await writer;

        var atRevision = await _store.RangeAsync("/", saved.Revision);
        Assert.Equal(atRevision.Items.Count, saved.Keys);
    }

    [Fact]
    public async Task Restore_CorruptFile_FailsAndChangesNothing()
    {
        await Put("/registry/a", "1");
        var file = _directory.File("snap");
        await StoreSnapshot.SaveAsync(_store, file);
        await Put("/registry/after", "2");
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x55;
        await File.WriteAllBytesAsync(file, bytes);

        var ex = await Assert.ThrowsAsync<SnapshotException>(() => StoreSnapshot.RestoreAsync(_store, file));

        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(await _store.GetAsync("/registry/after"));
    }

    [Fact]
    public async Task Verify_TruncatedFile_SaysCorrupt()
    {
        await Put("/registry/a", "1");
        var file = _directory.File("snap");
        await StoreSnapshot.SaveAsync(_store, file);
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..^40]);

        var ex = await Assert.ThrowsAsync<SnapshotException>(() => StoreSnapshot.VerifyAsync(file));

        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ForeignFile_SaysNotASnapshot()
    {
        var file = _directory.File("foreign");
        await File.WriteAllTextAsync(file, "SQLite format 3\0 something else entirely");

        var ex = await Assert.ThrowsAsync<SnapshotException>(() => StoreSnapshot.VerifyAsync(file));

        Assert.Contains("is not a Skiff snapshot", ex.Message, StringComparison.Ordinal);
    }

    private async Task Put(string key, string value) => Assert.True((await _store.CreateAsync(key, V(value))).Succeeded);

    private async Task<List<(string, string)>> AllAsync() =>
        (await _store.RangeAsync("/")).Items.Select(kv => (kv.Key, Encoding.UTF8.GetString(kv.Value.Span))).ToList();

    private static byte[] V(string s) => Encoding.UTF8.GetBytes(s);
}
