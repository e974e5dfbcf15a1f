using System.Text;
using Microsoft.Data.Sqlite;
using Skiff.Storage.Sqlite;

namespace Skiff.Storage.Tests.Sqlite;

/// <summary>Behaviour of the SQLite backend beyond the shared contract: group commit, crash image, compaction mechanics, limits.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Open_NewDatabase_StartsAtRevisionZero()
    {
        await using var store = await OpenAsync();

        Assert.Equal(0, await store.GetCurrentRevisionAsync());
        Assert.Equal(0, await store.GetCompactRevisionAsync());
        Assert.Equal(1, (await store.CreateAsync("/a", V("x"))).Revision);
    }

    [Fact]
    public async Task Open_SameFileTwice_FailsNamingTheFile()
    {
        await using var store = await OpenAsync();

        var ex = await Assert.ThrowsAsync<SqliteStoreException>(() => OpenAsync());

        Assert.Contains("store.db", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_InvalidOptions_ThrowsNamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = _directory.File("x.db"), MaxBatchSize = 0 }, null));

        Assert.Contains("MaxBatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroupCommit_ConcurrentWrites_CommitInOneTransactionWithConsecutiveRevisions()
    {
        await using var store = await OpenAsync();
        await store.CreateAsync("/warm", V("x"));
        var batches = store.Writer.CommittedBatches;

        store.Writer.Pause();
        var writes = Enumerable.Range(0, 64).Select(i => store.CreateAsync($"/group/{i}", V("x")).AsTask()).ToList();
        store.Writer.Resume();
        var results = await Task.WhenAll(writes).WaitAsync(WaitLimit);

        Assert.Equal(batches + 1, store.Writer.CommittedBatches);
        Assert.Equal(Enumerable.Range(2, 64).Select(i => (long)i), results.Select(r => r.Revision));
    }

    [Fact]
    public async Task GroupCommit_WritesToOneKeyInOneBatch_SeeEachOtherAndFailuresTakeNoRevision()
    {
        await using var store = await OpenAsync();
        var r = await store.GetCurrentRevisionAsync();

        store.Writer.Pause();
        var create = store.CreateAsync("/k", V("1")).AsTask();
        var createAgain = store.CreateAsync("/k", V("dup")).AsTask();
        var update = store.UpdateAsync("/k", V("2"), r + 1).AsTask();
        var staleUpdate = store.UpdateAsync("/k", V("stale"), r + 1).AsTask();
        var delete = store.DeleteAsync("/k", r + 2).AsTask();
        var recreate = store.CreateAsync("/k", V("3")).AsTask();
        var batches = store.Writer.CommittedBatches;
        store.Writer.Resume();
        await Task.WhenAll(create, createAgain, update, staleUpdate, delete, recreate).WaitAsync(WaitLimit);

        Assert.Equal(batches + 1, store.Writer.CommittedBatches);
        Assert.Equal(r + 1, (await create).Revision);
        Assert.False((await createAgain).Succeeded);
        Assert.Equal("1", S((await createAgain).Current!));
        Assert.True((await update).Succeeded);
        Assert.Equal(r + 2, (await update).Revision);
        Assert.False((await staleUpdate).Succeeded);
        Assert.Equal(r + 2, (await staleUpdate).Current!.ModRevision);
        Assert.True((await delete).Succeeded);
        Assert.Equal(r + 3, (await delete).Revision);
        Assert.Equal(r + 4, (await recreate).Revision);
        Assert.Equal(r + 4, (await store.GetAsync("/k"))!.CreateRevision);
        Assert.Equal(r + 4, await store.GetCurrentRevisionAsync());
    }

    [Fact]
    public async Task Write_CancelledBeforeTheWriterTakesIt_IsNotApplied()
    {
        await using var store = await OpenAsync();
        using var cts = new CancellationTokenSource();

        store.Writer.Pause();
        var write = store.CreateAsync("/cancelled", V("x"), cts.Token).AsTask();
        await cts.CancelAsync();
        store.Writer.Resume();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.WaitAsync(WaitLimit));
        Assert.Null(await store.GetAsync("/cancelled"));
        Assert.Equal(0, await store.GetCurrentRevisionAsync());
    }

    [Fact]
    public async Task Reopen_FromFilesCopiedWhileOpen_KeepsEveryAcknowledgedWrite()
    {
        // Copying the database and its WAL while the store is open gives exactly what a kill -9 leaves on disk:
        // with synchronous=NORMAL every acknowledged commit is in the WAL file. Opening the copy runs SQLite's WAL
        // recovery, as a restart after a crash would.
        var crashDirectory = new TestDirectory();
        try
        {
            await using (var store = await OpenAsync())
            {
                var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => store.CreateAsync($"/crash/{i}", V($"{i}")).AsTask()));
                await store.UpdateAsync("/crash/0", V("updated"), results[0].Revision);
                await store.DeleteAsync("/crash/1");
                Assert.True(File.Exists(_directory.File("store.db-wal")));
                File.Copy(_directory.File("store.db"), crashDirectory.File("store.db"));
                File.Copy(_directory.File("store.db-wal"), crashDirectory.File("store.db-wal"));
            }

            await using var recovered = await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = crashDirectory.File("store.db"), CompactionInterval = TimeSpan.Zero }, null);
            Assert.Equal(302, await recovered.GetCurrentRevisionAsync());
            Assert.Equal("updated", S((await recovered.GetAsync("/crash/0"))!));
            Assert.Null(await recovered.GetAsync("/crash/1"));
            Assert.Equal(299, await recovered.CountAsync("/crash/"));
            Assert.Equal(303, (await recovered.CreateAsync("/crash/new", V("x"))).Revision);
        }
        finally
        {
            crashDirectory.Dispose();
        }
    }

    [Fact]
    public async Task Dispose_CheckpointsTheWalIntoTheDatabase()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync("/a", V("x"));
            await store.GetAsync("/a");
            Assert.True(File.Exists(_directory.File("store.db-wal")));
        }

        Assert.False(File.Exists(_directory.File("store.db-wal")));
    }

    [Fact]
    public async Task Reopen_AfterEveryKeyIsDeletedAndCompacted_KeepsTheRevisionCounter()
    {
        await using (var store = await OpenAsync())
        {
            for (var i = 0; i < 5; i++)
            {
                await store.CreateAsync($"/gone/{i}", V("x"));
                await store.DeleteAsync($"/gone/{i}");
            }

            await store.CompactAsync(10);
            Assert.Equal(0, store.CountHistoryRows());
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(10, await reopened.GetCurrentRevisionAsync());
        Assert.Equal(10, await reopened.GetCompactRevisionAsync());
        Assert.Empty((await reopened.RangeAsync("/")).Items);
        Assert.Equal(11, (await reopened.CreateAsync("/gone/again", V("x"))).Revision);
    }

    [Fact]
    public async Task Compact_InSmallChunks_RemovesSupersededRowsAndTombstonesOnly()
    {
        await using var store = await OpenAsync(o => o.CompactionChunkRevisions = 7);
        for (var k = 0; k < 10; k++)
        {
            var revision = (await store.CreateAsync($"/h/{k}", V("0"))).Revision;
            for (var i = 1; i < 10; i++)
            {
                revision = (await store.UpdateAsync($"/h/{k}", V($"{i}"), revision)).Revision;
            }
        }

        for (var k = 0; k < 5; k++)
        {
            await store.DeleteAsync($"/h/{k}");
        }

        Assert.Equal(105, store.CountHistoryRows());
        var before = await store.RangeAsync("/h/");

        await store.CompactAsync(await store.GetCurrentRevisionAsync());

        Assert.Equal(5, store.CountHistoryRows());
        var after = await store.RangeAsync("/h/");
        Assert.Equal(before.Items.Select(kv => (kv.Key, S(kv), kv.CreateRevision, kv.ModRevision)), after.Items.Select(kv => (kv.Key, S(kv), kv.CreateRevision, kv.ModRevision)));
    }

    [Fact]
    public async Task Compact_WhileWritersRun_KeepsCurrentStateIntact()
    {
        await using var store = await OpenAsync(o => o.CompactionChunkRevisions = 50);
        var keys = Enumerable.Range(0, 16).Select(i => $"/busy/{i}").ToList();
        var revisions = new long[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            revisions[i] = (await store.CreateAsync(keys[i], V("0"))).Revision;
        }

        var writers = Enumerable.Range(0, keys.Count).Select(i => Task.Run(async () =>
        {
            for (var n = 1; n <= 100; n++)
            {
                var result = await store.UpdateAsync(keys[i], V($"{n}"), revisions[i]);
                Assert.True(result.Succeeded);
                revisions[i] = result.Revision;
                if (n % 25 == 0)
                {
                    await store.CompactAsync(await store.GetCurrentRevisionAsync() - 10);
                }
            }
        }));
        await Task.WhenAll(writers).WaitAsync(WaitLimit);
        await store.CompactAsync(await store.GetCurrentRevisionAsync());

        var current = await store.RangeAsync("/busy/");
        Assert.All(current.Items, kv => Assert.Equal("100", S(kv)));
        Assert.Equal(revisions, keys.Select(k => current.Items.Single(kv => kv.Key == k).ModRevision));
        Assert.Equal(keys.Count, store.CountHistoryRows());
    }

    [Fact]
    public async Task Compact_InterruptedBeforeDeletingRows_ResumesAtNextOpen()
    {
        await using (var store = await OpenAsync())
        {
            var revision = (await store.CreateAsync("/r/a", V("0"))).Revision;
            for (var i = 0; i < 20; i++)
            {
                revision = (await store.UpdateAsync("/r/a", V($"{i}"), revision)).Revision;
            }
        }

        // What a crash right after recording the compact revision leaves: the target is set, nothing deleted.
        using (var connection = new SqliteConnection($"Data Source={_directory.File("store.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET compact_rev = 21";
            command.ExecuteNonQuery();
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(21, await reopened.GetCompactRevisionAsync());
        await reopened.CompactAsync(21);

        Assert.Equal(1, reopened.CountHistoryRows());
        Assert.Equal("19", S((await reopened.GetAsync("/r/a"))!));
    }

    [Fact]
    public async Task PeriodicCompaction_EachInterval_KeepsTheConfiguredNumberOfRevisions()
    {
        var clock = new ManualTimeProvider();
        await using var store = await OpenAsync(
            o =>
            {
                o.CompactionInterval = TimeSpan.FromMinutes(5);
                o.CompactionKeepRevisions = 10;
            },
            clock);
        var revision = (await store.CreateAsync("/p/a", V("0"))).Revision;
        for (var i = 1; i < 50; i++)
        {
            revision = (await store.UpdateAsync("/p/a", V($"{i}"), revision)).Revision;
        }

        var compacted = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.CompactionCompleted += r => compacted.TrySetResult(r);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.False(compacted.Task.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(40, await compacted.Task.WaitAsync(WaitLimit));
        Assert.Equal(40, await store.GetCompactRevisionAsync());
        Assert.Equal(11, store.CountHistoryRows());
        await Assert.ThrowsAsync<CompactedException>(async () => await store.RangeAsync("/p/", 39));
        Assert.Equal("49", S((await store.GetAsync("/p/a"))!));
    }

    [Fact]
    public async Task Watch_ConsumerFallsBehind_EndsWithOverflowWithoutStallingWrites()
    {
        await using var store = await OpenAsync(o => o.WatchBufferSize = 16);
        await using var watch = store.WatchAsync("/slow/", 0).GetAsyncEnumerator();
        var first = watch.MoveNextAsync().AsTask();

        // Nobody reads the watch while 100 writes commit; they must all complete anyway.
        for (var i = 0; i < 100; i++)
        {
            await store.CreateAsync($"/slow/{i}", V("x")).AsTask().WaitAsync(WaitLimit);
        }

        Assert.True(await first.WaitAsync(WaitLimit));
        var revisions = new List<long> { watch.Current.Revision };
        var ex = await Assert.ThrowsAsync<WatchOverflowException>(async () =>
        {
            while (await watch.MoveNextAsync().AsTask().WaitAsync(WaitLimit))
            {
                revisions.Add(watch.Current.Revision);
            }
        });

        Assert.Equal("/slow/", ex.Prefix);
        Assert.Equal(Enumerable.Range(1, revisions.Count).Select(i => (long)i), revisions);
        Assert.Equal(revisions.Count + 1, ex.UndeliveredRevision);
        Assert.Equal(0, store.WatcherCount);
    }

    [Fact]
    public async Task Watch_StoreDisposed_EndsWithObjectDisposed()
    {
        var store = await OpenAsync();
        var watch = store.WatchAsync("/", 0).GetAsyncEnumerator();
        var next = watch.MoveNextAsync().AsTask();

        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => next.WaitAsync(WaitLimit));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.CreateAsync("/late", V("x")));
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task Range_UnicodeKeys_InCodePointOrderAndPrefixesEndingInMaxChar()
    {
        await using var store = await OpenAsync();
        string[] keys = ["/u/z", "/u/\u00e9", "/u/\uffff", "/u/\uffffa", "/u/\ud83d\ude00", "/v"];
        foreach (var key in keys)
        {
            await store.CreateAsync(key, V(key));
        }

        Assert.Equal(keys[..5], (await store.RangeAsync("/u/")).Items.Select(kv => kv.Key));
        Assert.Equal(["/u/\uffff", "/u/\uffffa"], (await store.RangeAsync("/u/\uffff")).Items.Select(kv => kv.Key));
        Assert.Equal(2, await store.CountAsync("/u/\uffff"));
        Assert.Equal(["/u/\uffffa", "/u/\ud83d\ude00"], (await store.RangeAsync("/u/", 0, "/u/\uffff")).Items.Select(kv => kv.Key));
        Assert.Equal(6, (await store.RangeAsync(string.Empty)).Items.Count);
        Assert.Equal(6, await store.CountAsync(string.Empty));
    }

    [Fact]
    public async Task Write_InvalidArguments_ThrowBeforeQueueing()
    {
        await using var store = await OpenAsync();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.CreateAsync(string.Empty, V("x")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.UpdateAsync("/a", V("x"), 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.DeleteAsync("/a", -1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.RangeAsync("/", -1));
        Assert.Equal(0, await store.GetCurrentRevisionAsync());
    }

    private Task<SqliteStore> OpenAsync(Action<SqliteStoreOptions>? configure = null, TimeProvider? clock = null)
    {
        var options = new SqliteStoreOptions { DatabasePath = _directory.File("store.db"), CompactionInterval = TimeSpan.Zero };
        configure?.Invoke(options);
        return SqliteStore.OpenAsync(options, null, clock ?? TimeProvider.System);
    }

    private static byte[] V(string text) => Encoding.UTF8.GetBytes(text);

    private static string S(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);
}
