using System.Text;

namespace Skiff.Storage.Tests;

/// <summary>
/// The <see cref="IStore"/> contract, run against every backend by a subclass that says how to open it. Tests
/// use revisions relative to the store's revision at the start, so a backend that does not start from zero
/// (a shared etcd) can run them too; keys are unique per test.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    protected static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    protected IStore Store { get; private set; } = null!;

    /// <summary>
    /// Opens the backend. Within one test every call must open the same data (so reopening sees earlier writes);
    /// different tests get independent data.
    /// </summary>
    protected abstract Task<IStore> OpenStoreAsync();

    public async Task InitializeAsync() => Store = await OpenStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (Store is not null)
        {
            await Store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Writes_EachSuccessfulWrite_TakesTheNextRevision()
    {
        var r0 = await Store.GetCurrentRevisionAsync();

        var created = await Store.CreateAsync("/rev/a", V("1"));
        Assert.True(created.Succeeded);
        Assert.Equal(r0 + 1, created.Revision);
        Assert.Equal(r0 + 1, await Store.GetCurrentRevisionAsync());

        var updated = await Store.UpdateAsync("/rev/a", V("2"), r0 + 1);
        Assert.Equal(r0 + 2, updated.Revision);

        var failed = await Store.UpdateAsync("/rev/a", V("3"), r0 + 1);
        Assert.False(failed.Succeeded);
        Assert.Equal(r0 + 2, failed.Revision);
        Assert.Equal(r0 + 2, await Store.GetCurrentRevisionAsync());

        var deleted = await Store.DeleteAsync("/rev/a");
        Assert.Equal(r0 + 3, deleted.Revision);

        var next = await Store.CreateAsync("/rev/b", V("1"));
        Assert.Equal(r0 + 4, next.Revision);
        Assert.Equal(r0 + 4, await Store.GetCurrentRevisionAsync());
    }

    [Fact]
    public async Task Create_ExistingKey_FailsWithExistingValueAndTakesNoRevision()
    {
        var first = await Store.CreateAsync("/create/a", V("first"));
        var second = await Store.CreateAsync("/create/a", V("second"));

        Assert.False(second.Succeeded);
        Assert.Equal(first.Revision, second.Revision);
        Assert.NotNull(second.Current);
        Assert.Equal("first", S(second.Current));
        Assert.Equal(first.Revision, second.Current.ModRevision);
        Assert.Equal(first.Revision, second.Current.CreateRevision);
        Assert.Equal("first", S((await Store.GetAsync("/create/a"))!));
        Assert.Equal(first.Revision, await Store.GetCurrentRevisionAsync());
    }

    [Fact]
    public async Task Create_Success_ReturnsWrittenValue()
    {
        var result = await Store.CreateAsync("/create/b", V("x"));

        Assert.True(result.Succeeded);
        Assert.NotNull(result.Current);
        Assert.Equal("/create/b", result.Current.Key);
        Assert.Equal("x", S(result.Current));
        Assert.Equal(result.Revision, result.Current.CreateRevision);
        Assert.Equal(result.Revision, result.Current.ModRevision);
    }

    [Fact]
    public async Task Create_EmptyValue_RoundTrips()
    {
        await Store.CreateAsync("/empty/a", ReadOnlyMemory<byte>.Empty);

        var kv = await Store.GetAsync("/empty/a");

        Assert.NotNull(kv);
        Assert.Equal(0, kv.Value.Length);
    }

    [Fact]
    public async Task Get_MissingKey_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync("/get/missing"));
    }

    [Fact]
    public async Task Update_MatchingModRevision_ReplacesValueAndKeepsCreateRevision()
    {
        var created = await Store.CreateAsync("/update/a", V("1"));

        var updated = await Store.UpdateAsync("/update/a", V("2"), created.Revision);

        Assert.True(updated.Succeeded);
        Assert.Equal("2", S(updated.Current!));
        Assert.Equal(created.Revision, updated.Current!.CreateRevision);
        Assert.Equal(updated.Revision, updated.Current.ModRevision);
        var kv = await Store.GetAsync("/update/a");
        Assert.Equal("2", S(kv!));
        Assert.Equal(created.Revision, kv!.CreateRevision);
        Assert.Equal(updated.Revision, kv.ModRevision);
    }

    [Fact]
    public async Task Update_StaleModRevision_FailsWithCurrentValue()
    {
        var created = await Store.CreateAsync("/update/b", V("1"));
        var updated = await Store.UpdateAsync("/update/b", V("2"), created.Revision);

        var stale = await Store.UpdateAsync("/update/b", V("3"), created.Revision);

        Assert.False(stale.Succeeded);
        Assert.Equal("2", S(stale.Current!));
        Assert.Equal(updated.Revision, stale.Current!.ModRevision);
        Assert.Equal("2", S((await Store.GetAsync("/update/b"))!));
    }

    [Fact]
    public async Task Update_MissingKey_FailsWithNull()
    {
        var result = await Store.UpdateAsync("/update/missing", V("x"), 1);

        Assert.False(result.Succeeded);
        Assert.Null(result.Current);
        Assert.Null(await Store.GetAsync("/update/missing"));
    }

    [Fact]
    public async Task Delete_Unconditional_RemovesKeyAndReturnsDeletedValue()
    {
        var created = await Store.CreateAsync("/delete/a", V("gone"));

        var deleted = await Store.DeleteAsync("/delete/a");

        Assert.True(deleted.Succeeded);
        Assert.Equal(created.Revision + 1, deleted.Revision);
        Assert.Equal("gone", S(deleted.Current!));
        Assert.Equal(created.Revision, deleted.Current!.ModRevision);
        Assert.Null(await Store.GetAsync("/delete/a"));
    }

    [Fact]
    public async Task Delete_MatchingModRevision_Succeeds()
    {
        var created = await Store.CreateAsync("/delete/b", V("x"));

        var deleted = await Store.DeleteAsync("/delete/b", created.Revision);

        Assert.True(deleted.Succeeded);
        Assert.Null(await Store.GetAsync("/delete/b"));
    }

    [Fact]
    public async Task Delete_StaleModRevision_FailsWithCurrentValue()
    {
        var created = await Store.CreateAsync("/delete/c", V("1"));
        var updated = await Store.UpdateAsync("/delete/c", V("2"), created.Revision);

        var deleted = await Store.DeleteAsync("/delete/c", created.Revision);

        Assert.False(deleted.Succeeded);
        Assert.Equal(updated.Revision, deleted.Revision);
        Assert.Equal("2", S(deleted.Current!));
        Assert.NotNull(await Store.GetAsync("/delete/c"));
    }

    [Fact]
    public async Task Delete_MissingKey_FailsWithNull()
    {
        var r0 = await Store.GetCurrentRevisionAsync();

        var deleted = await Store.DeleteAsync("/delete/missing");

        Assert.False(deleted.Succeeded);
        Assert.Null(deleted.Current);
        Assert.Equal(r0, await Store.GetCurrentRevisionAsync());
    }

    [Fact]
    public async Task Create_AfterDelete_StartsANewIncarnation()
    {
        await Store.CreateAsync("/delete/d", V("1"));
        await Store.DeleteAsync("/delete/d");

        var recreated = await Store.CreateAsync("/delete/d", V("2"));

        Assert.True(recreated.Succeeded);
        var kv = await Store.GetAsync("/delete/d");
        Assert.Equal("2", S(kv!));
        Assert.Equal(recreated.Revision, kv!.CreateRevision);
    }

    [Fact]
    public async Task Range_Prefix_DoesNotMatchSiblingKeys()
    {
        foreach (var key in new[] { "/a", "/a/1", "/a/2", "/a0", "/ab/1", "/ab", "/b/1" })
        {
            await Store.CreateAsync(key, V(key));
        }

        var page = await Store.RangeAsync("/a/");

        Assert.Equal(["/a/1", "/a/2"], page.Items.Select(kv => kv.Key));
        Assert.False(page.More);
        Assert.Equal(2, await Store.CountAsync("/a/"));
        Assert.Equal(["/ab/1"], (await Store.RangeAsync("/ab/")).Items.Select(kv => kv.Key));
    }

    [Fact]
    public async Task Range_StartAfterKeyAndLimit_PagesThroughAllKeysInOrder()
    {
        var expected = Enumerable.Range(0, 25).Select(i => $"/page/{i:D2}").ToList();
        foreach (var key in expected.AsEnumerable().Reverse())
        {
            await Store.CreateAsync(key, V(key));
        }

        await Store.CreateAsync("/page0", V("outside"));
        await Store.CreateAsync("/pag/x", V("outside"));

        var seen = new List<string>();
        var mores = new List<bool>();
        string? after = null;
        while (true)
        {
            var page = await Store.RangeAsync("/page/", 0, after, 10);
            seen.AddRange(page.Items.Select(kv => kv.Key));
            mores.Add(page.More);
            if (!page.More)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        Assert.Equal(expected, seen);
        Assert.Equal([true, true, false], mores);
        Assert.Equal(expected, (await Store.RangeAsync("/page/")).Items.Select(kv => kv.Key));
        Assert.Equal(25, await Store.CountAsync("/page/"));
    }

    [Fact]
    public async Task Range_LimitEqualToRemainingKeys_ReportsNoMore()
    {
        for (var i = 0; i < 4; i++)
        {
            await Store.CreateAsync($"/exact/{i}", V("x"));
        }

        var first = await Store.RangeAsync("/exact/", 0, null, 2);
        var second = await Store.RangeAsync("/exact/", 0, first.Items[^1].Key, 2);
        var past = await Store.RangeAsync("/exact/", 0, "/exact/9", 2);
        var before = await Store.RangeAsync("/exact/", 0, "/a", 0);

        Assert.True(first.More);
        Assert.Equal(["/exact/2", "/exact/3"], second.Items.Select(kv => kv.Key));
        Assert.False(second.More);
        Assert.Empty(past.Items);
        Assert.False(past.More);
        Assert.Equal(4, before.Items.Count);
    }

    [Fact]
    public async Task Range_AtOlderRevision_SeesOldValuesAndLaterDeletedKeys()
    {
        var r1 = (await Store.CreateAsync("/old/1", V("v1"))).Revision;
        var r2 = (await Store.CreateAsync("/old/2", V("x"))).Revision;
        var r3 = (await Store.UpdateAsync("/old/1", V("v2"), r1)).Revision;
        var r4 = (await Store.DeleteAsync("/old/2")).Revision;
        var r5 = (await Store.CreateAsync("/old/3", V("y"))).Revision;

        var atR2 = await Store.RangeAsync("/old/", r2);
        Assert.Equal(r2, atR2.Revision);
        Assert.Equal(["/old/1", "/old/2"], atR2.Items.Select(kv => kv.Key));
        Assert.Equal("v1", S(atR2.Items[0]));
        Assert.Equal(r1, atR2.Items[0].ModRevision);

        var atR3 = await Store.RangeAsync("/old/", r3);
        Assert.Equal(["/old/1", "/old/2"], atR3.Items.Select(kv => kv.Key));
        Assert.Equal("v2", S(atR3.Items[0]));
        Assert.Equal(r1, atR3.Items[0].CreateRevision);
        Assert.Equal(r3, atR3.Items[0].ModRevision);

        var atR4 = await Store.RangeAsync("/old/", r4);
        Assert.Equal(["/old/1"], atR4.Items.Select(kv => kv.Key));

        var atR1Paged = await Store.RangeAsync("/old/", r2, "/old/1", 1);
        Assert.Equal(["/old/2"], atR1Paged.Items.Select(kv => kv.Key));
        Assert.False(atR1Paged.More);

        var current = await Store.RangeAsync("/old/");
        Assert.Equal(r5, current.Revision);
        Assert.Equal(["/old/1", "/old/3"], current.Items.Select(kv => kv.Key));
    }

    [Fact]
    public async Task Range_FutureRevision_Throws()
    {
        var r0 = await Store.GetCurrentRevisionAsync();

        var ex = await Assert.ThrowsAsync<FutureRevisionException>(async () => await Store.RangeAsync("/", r0 + 5));

        Assert.Equal(r0 + 5, ex.RequestedRevision);
    }

    [Fact]
    public async Task Watch_FromPastRevision_ReplaysHistoryThenDeliversLiveEvents()
    {
        var r1 = (await Store.CreateAsync("/watch/a", V("1"))).Revision;
        await Store.UpdateAsync("/watch/a", V("2"), r1);
        await Store.CreateAsync("/watch/b", V("1"));

        var watching = TakeAsync(Store.WatchAsync("/watch/", r1), 4);
        var r4 = (await Store.DeleteAsync("/watch/b")).Revision;
        await Store.CreateAsync("/watch/c", V("1"));
        var events = await watching;

        Assert.Equal(Enumerable.Range(0, 4).Select(i => r1 + 1 + i), events.Select(e => e.Revision));
        Assert.Equal([StoreEventType.Put, StoreEventType.Put, StoreEventType.Delete, StoreEventType.Put], events.Select(e => e.Type));
        Assert.Equal(["/watch/a", "/watch/b", "/watch/b", "/watch/c"], events.Select(e => e.Kv.Key));
        Assert.Equal(r4, events[2].Kv.ModRevision);
    }

    [Fact]
    public async Task Watch_Events_CarryPreviousValues()
    {
        var r0 = await Store.GetCurrentRevisionAsync();
        var created = await Store.CreateAsync("/prev/a", V("1"));
        var updated = await Store.UpdateAsync("/prev/a", V("2"), created.Revision);
        var deleted = await Store.DeleteAsync("/prev/a");

        // The same three events from history and from a live watch must look the same.
        var replayed = await TakeAsync(Store.WatchAsync("/prev/", r0), 3);
        var watching = TakeAsync(Store.WatchAsync("/prev/", deleted.Revision), 3);
        var c2 = await Store.CreateAsync("/prev/a", V("1"));
        var u2 = await Store.UpdateAsync("/prev/a", V("2"), c2.Revision);
        await Store.DeleteAsync("/prev/a");
        var live = await watching;

        foreach (var (events, create) in new[] { (replayed, created.Revision), (live, c2.Revision) })
        {
            Assert.Equal(StoreEventType.Put, events[0].Type);
            Assert.Null(events[0].PrevKv);
            Assert.Equal("1", S(events[0].Kv));
            Assert.Equal(create, events[0].Kv.CreateRevision);

            Assert.Equal(StoreEventType.Put, events[1].Type);
            Assert.Equal("2", S(events[1].Kv));
            Assert.Equal("1", S(events[1].PrevKv!));
            Assert.Equal(create, events[1].PrevKv!.ModRevision);
            Assert.Equal(create, events[1].Kv.CreateRevision);

            Assert.Equal(StoreEventType.Delete, events[2].Type);
            Assert.Equal("/prev/a", events[2].Kv.Key);
            Assert.Equal("2", S(events[2].Kv));
            Assert.Equal(events[1].Revision + 1, events[2].Kv.ModRevision);
            Assert.Equal(create, events[2].Kv.CreateRevision);
            Assert.Equal("2", S(events[2].PrevKv!));
            Assert.Equal(events[1].Revision, events[2].PrevKv!.ModRevision);
        }

        Assert.Equal(updated.Revision, replayed[1].Revision);
        Assert.Equal(u2.Revision, live[1].Revision);
    }

    [Fact]
    public async Task Watch_Prefix_DeliversOnlyMatchingKeys()
    {
        var r0 = await Store.GetCurrentRevisionAsync();
        await Store.CreateAsync("/wp/a/1", V("x"));
        await Store.CreateAsync("/wp/ab/1", V("x"));

        var watching = TakeAsync(Store.WatchAsync("/wp/a/", r0), 3);
        await Store.CreateAsync("/wp/a", V("x"));
        await Store.CreateAsync("/wp/a/2", V("x"));
        await Store.CreateAsync("/wp/b/1", V("x"));
        await Store.DeleteAsync("/wp/ab/1");
        await Store.DeleteAsync("/wp/a/1");
        var events = await watching;

        Assert.Equal(["/wp/a/1", "/wp/a/2", "/wp/a/1"], events.Select(e => e.Kv.Key));
        Assert.Equal([StoreEventType.Put, StoreEventType.Put, StoreEventType.Delete], events.Select(e => e.Type));
    }

    [Fact]
    public async Task Watch_ConcurrentWriters_DeliversEveryRevisionOnceInOrder()
    {
        const int Writers = 8;
        const int WritesPerWriter = 200;
        var r0 = await Store.GetCurrentRevisionAsync();
        var watching = TakeAsync(Store.WatchAsync("/concurrent/", r0), Writers * WritesPerWriter);

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var revisions = new List<long>();
            for (var i = 0; i < WritesPerWriter; i++)
            {
                var result = await Store.CreateAsync($"/concurrent/{w}/{i}", V("x"));
                Assert.True(result.Succeeded);
                revisions.Add(result.Revision);
            }

            return revisions;
        }));
        var written = (await Task.WhenAll(writers).WaitAsync(WaitLimit)).SelectMany(r => r).Order().ToList();
        var events = await watching;

        Assert.Equal(Enumerable.Range(1, Writers * WritesPerWriter).Select(i => r0 + i), written);
        Assert.Equal(written, events.Select(e => e.Revision));
        Assert.Equal(Writers * WritesPerWriter, events.Select(e => e.Kv.Key).Distinct().Count());
    }

    [Fact]
    public async Task Watch_StartedWhileWritersRun_HasNoGapOrDuplicate()
    {
        // The watch starts part-way through, so some events come from history and some live, with the switch
        // happening while writes are committing.
        var r0 = await Store.GetCurrentRevisionAsync();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                await Store.CreateAsync($"/switch/{w}/{i}", V("x"));
            }
        })).ToList();
        await Store.CreateAsync("/switch/first", V("x"));

        var events = await TakeAsync(Store.WatchAsync("/switch/", r0), 601);
        await Task.WhenAll(writers).WaitAsync(WaitLimit);

        Assert.Equal(Enumerable.Range(1, 601).Select(i => r0 + i), events.Select(e => e.Revision));
    }

    [Fact]
    public async Task Watch_AtCurrentRevision_DeliversOnlyLaterEvents()
    {
        await Store.CreateAsync("/now/a", V("x"));
        var r = await Store.GetCurrentRevisionAsync();

        var watching = TakeAsync(Store.WatchAsync("/now/", r), 1);
        await Store.CreateAsync("/now/b", V("x"));
        var events = await watching;

        Assert.Equal("/now/b", events[0].Kv.Key);
        Assert.Equal(r + 1, events[0].Revision);
    }

    [Fact]
    public async Task Watch_Cancelled_EndsWithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var r = await Store.GetCurrentRevisionAsync();
        var enumerator = Store.WatchAsync("/cancel/", r, cts.Token).GetAsyncEnumerator();
        var next = enumerator.MoveNextAsync().AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(WaitLimit));
        await enumerator.DisposeAsync();
    }

    [Fact]
    public async Task Compact_DropsOlderHistory_ReadsAndWatchesBelowItFail()
    {
        var r1 = (await Store.CreateAsync("/compact/a", V("1"))).Revision;
        var r2 = (await Store.UpdateAsync("/compact/a", V("2"), r1)).Revision;
        await Store.CreateAsync("/compact/b", V("1"));
        await Store.DeleteAsync("/compact/b");
        var r5 = (await Store.CreateAsync("/compact/c", V("1"))).Revision;
        var r6 = (await Store.UpdateAsync("/compact/a", V("3"), r2)).Revision;

        await Store.CompactAsync(r5);

        Assert.Equal(r5, await Store.GetCompactRevisionAsync());
        var ex = await Assert.ThrowsAsync<CompactedException>(async () => await Store.RangeAsync("/compact/", r5 - 1));
        Assert.Equal(r5 - 1, ex.RequestedRevision);
        Assert.Equal(r5, ex.CompactRevision);
        await Assert.ThrowsAsync<CompactedException>(() => TakeAsync(Store.WatchAsync("/compact/", r1), 1));
        await Assert.ThrowsAsync<CompactedException>(() => TakeAsync(Store.WatchAsync("/compact/", r5 - 1), 1));

        // The compact revision itself is still readable and watchable, with every live key's value as it was.
        var atCompact = await Store.RangeAsync("/compact/", r5);
        Assert.Equal(["/compact/a", "/compact/c"], atCompact.Items.Select(kv => kv.Key));
        Assert.Equal("2", S(atCompact.Items[0]));
        Assert.Equal(r2, atCompact.Items[0].ModRevision);
        var events = await TakeAsync(Store.WatchAsync("/compact/", r5), 1);
        Assert.Equal(r6, events[0].Revision);
        Assert.Equal("2", S(events[0].PrevKv!));

        var current = await Store.RangeAsync("/compact/");
        Assert.Equal(["/compact/a", "/compact/c"], current.Items.Select(kv => kv.Key));
        Assert.Equal("3", S(current.Items[0]));
        Assert.Equal(r1, current.Items[0].CreateRevision);
    }

    [Fact]
    public async Task Compact_KeepsLatestValueOfKeysUnchangedSinceLongAgo()
    {
        var created = await Store.CreateAsync("/keep/a", V("old"));
        for (var i = 0; i < 20; i++)
        {
            await Store.CreateAsync($"/keep/churn/{i}", V("x"));
            await Store.DeleteAsync($"/keep/churn/{i}");
        }

        var r = await Store.GetCurrentRevisionAsync();
        await Store.CompactAsync(r);

        var kv = await Store.GetAsync("/keep/a");
        Assert.Equal("old", S(kv!));
        Assert.Equal(created.Revision, kv!.ModRevision);
        Assert.Equal(["/keep/a"], (await Store.RangeAsync("/keep/", r)).Items.Select(x => x.Key));
        var after = await Store.UpdateAsync("/keep/a", V("new"), created.Revision);
        Assert.True(after.Succeeded);
        var events = await TakeAsync(Store.WatchAsync("/keep/", r), 1);
        Assert.Equal("old", S(events[0].PrevKv!));
    }

    [Fact]
    public async Task Compact_Twice_IsIdempotentAndFutureRevisionIsRejected()
    {
        await Store.CreateAsync("/twice/a", V("1"));
        var r = await Store.GetCurrentRevisionAsync();

        await Store.CompactAsync(r);
        await Store.CompactAsync(r);
        await Assert.ThrowsAsync<FutureRevisionException>(async () => await Store.CompactAsync(r + 10));

        Assert.Equal(r, await Store.GetCompactRevisionAsync());
    }

    [Fact]
    public async Task Reopen_KeepsValuesHistoryAndRevisionCounter()
    {
        var r1 = (await Store.CreateAsync("/persist/a", V("1"))).Revision;
        var r2 = (await Store.UpdateAsync("/persist/a", V("2"), r1)).Revision;
        await Store.CreateAsync("/persist/b", V("1"));
        var r4 = (await Store.DeleteAsync("/persist/b")).Revision;

        await ReopenAsync();

        Assert.Equal(r4, await Store.GetCurrentRevisionAsync());
        var kv = await Store.GetAsync("/persist/a");
        Assert.Equal("2", S(kv!));
        Assert.Equal(r1, kv!.CreateRevision);
        Assert.Equal(r2, kv.ModRevision);
        Assert.Null(await Store.GetAsync("/persist/b"));
        Assert.Equal(2, (await Store.RangeAsync("/persist/", r4 - 1)).Items.Count);
        var events = await TakeAsync(Store.WatchAsync("/persist/", r1), 3);
        Assert.Equal([r2, r2 + 1, r4], events.Select(e => e.Revision));
        Assert.Equal(r4 + 1, (await Store.CreateAsync("/persist/c", V("1"))).Revision);
    }

    [Fact]
    public async Task Update_ConcurrentOnSameModRevision_ExactlyOneWins()
    {
        var created = await Store.CreateAsync("/race/a", V("0"));

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(async () => await Store.UpdateAsync("/race/a", V($"{i}"), created.Revision))));

        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(winner.Revision, r.Current!.ModRevision));
        Assert.Equal(created.Revision + 1, winner.Revision);
        Assert.Equal(S(winner.Current!), S((await Store.GetAsync("/race/a"))!));
    }

    [Fact]
    public async Task Create_ConcurrentOnSameKey_ExactlyOneWins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(async () => await Store.CreateAsync("/race/b", V($"{i}")))));

        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(S(winner.Current!), S(r.Current!)));
    }

    protected async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = null!;
        Store = await OpenStoreAsync();
    }

    /// <summary>Reads <paramref name="count"/> events, failing the test if they do not arrive in time.</summary>
    protected static async Task<List<StoreEvent>> TakeAsync(IAsyncEnumerable<StoreEvent> watch, int count)
    {
        using var cts = new CancellationTokenSource(WaitLimit);
        var events = new List<StoreEvent>(count);
        await foreach (var e in watch.WithCancellation(cts.Token))
        {
            events.Add(e);
            if (events.Count == count)
            {
                break;
            }
        }

        return events;
    }

    protected static byte[] V(string text) => Encoding.UTF8.GetBytes(text);

    protected static string S(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);
}
