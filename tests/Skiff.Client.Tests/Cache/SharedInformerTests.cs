using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Client.Tests.Cache;

public sealed class SharedInformerTests
{
    private static V1ConfigMap Cm(string name, string rv, string? owner = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "ns",
            ResourceVersion = rv,
            Uid = "uid-" + name,
            OwnerReferences = owner is null ? null : [new V1OwnerReference { Uid = owner, Name = "o", Kind = "X", ApiVersion = "v1" }],
        },
    };

    /// <summary>Lists from a queue of prepared lists; each watch plays the next prepared event stream.</summary>
    private sealed class ScriptedListerWatcher : IListerWatcher<V1ConfigMap>
    {
        public Queue<ObjectList<V1ConfigMap>> Lists { get; } = new();

        public Channel<Channel<WatchEvent<V1ConfigMap>>> Watches { get; } = Channel.CreateUnbounded<Channel<WatchEvent<V1ConfigMap>>>();

        public List<string?> WatchedFrom { get; } = [];

        public List<ListOptions> ListCalls { get; } = [];

        public Task<ObjectList<V1ConfigMap>> ListAsync(ListOptions options, CancellationToken cancellationToken)
        {
            ListCalls.Add(options);
            return Task.FromResult(Lists.Dequeue());
        }

        public async IAsyncEnumerable<WatchEvent<V1ConfigMap>> WatchAsync(WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            lock (WatchedFrom)
            {
                WatchedFrom.Add(options.ResourceVersion);
            }

            var stream = await Watches.Reader.ReadAsync(cancellationToken);
            await foreach (var ev in stream.Reader.ReadAllAsync(cancellationToken))
            {
                yield return ev;
            }
        }
    }

    private sealed class Recorder : IResourceEventHandler<V1ConfigMap>
    {
        public Channel<string> Seen { get; } = Channel.CreateUnbounded<string>();

        public void OnAdd(V1ConfigMap obj) => Seen.Writer.TryWrite("add " + obj.Metadata.Name);

        public void OnUpdate(V1ConfigMap oldObj, V1ConfigMap newObj) => Seen.Writer.TryWrite($"update {newObj.Metadata.Name} {oldObj.Metadata.ResourceVersion}->{newObj.Metadata.ResourceVersion}");

        public void OnDelete(V1ConfigMap? obj, DeletedFinalStateUnknown<V1ConfigMap>? tombstone) =>
            Seen.Writer.TryWrite(obj is not null ? "delete " + obj.Metadata.Name : "tombstone " + tombstone!.Key);

        public async Task<string> NextAsync() => await Seen.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
    }

    private static ObjectList<V1ConfigMap> List(string rv, params V1ConfigMap[] items) => new() { Items = [.. items], Metadata = new V1ListMeta { ResourceVersion = rv } };

    [Fact]
    public async Task ListThenWatch_FillsCache_AndDeliversEvents()
    {
        var lw = new ScriptedListerWatcher();
        lw.Lists.Enqueue(List("10", Cm("a", "5"), Cm("b", "6")));
        var watch = Channel.CreateUnbounded<WatchEvent<V1ConfigMap>>();
        lw.Watches.Writer.TryWrite(watch);
        var informer = new SharedInformer<V1ConfigMap>(lw, new InformerOptions(), new FakeTimeProvider(), NullLogger.Instance, "configmaps");
        var rec = new Recorder();
        informer.AddEventHandler(rec);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["add a", "add b"], new[] { await rec.NextAsync(), await rec.NextAsync() }.Order());

        watch.Writer.TryWrite(new WatchEvent<V1ConfigMap>(WatchEventKind.Added, Cm("c", "11")));
        watch.Writer.TryWrite(new WatchEvent<V1ConfigMap>(WatchEventKind.Modified, Cm("a", "12")));
        watch.Writer.TryWrite(new WatchEvent<V1ConfigMap>(WatchEventKind.Deleted, Cm("b", "13")));
        Assert.Equal("add c", await rec.NextAsync());
        Assert.Equal("update a 5->12", await rec.NextAsync());
        Assert.Equal("delete b", await rec.NextAsync());
        Assert.Equal(["ns/a", "ns/c"], informer.Indexer.ListKeys().Order());
        Assert.Equal("10", lw.WatchedFrom[0]);
        Assert.Equal("13", informer.LastResourceVersion);

        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task GoneErrorEvent_Relists_AndTombstonesWhatVanished()
    {
        var lw = new ScriptedListerWatcher();
        lw.Lists.Enqueue(List("10", Cm("a", "5"), Cm("b", "6")));
        lw.Lists.Enqueue(List("50", Cm("a", "40"), Cm("c", "45")));
        var first = Channel.CreateUnbounded<WatchEvent<V1ConfigMap>>();
        var second = Channel.CreateUnbounded<WatchEvent<V1ConfigMap>>();
        lw.Watches.Writer.TryWrite(first);
        lw.Watches.Writer.TryWrite(second);
        var informer = new SharedInformer<V1ConfigMap>(lw, new InformerOptions(), new FakeTimeProvider(), NullLogger.Instance, "configmaps");
        var rec = new Recorder();
        informer.AddEventHandler(rec);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await rec.NextAsync();
        await rec.NextAsync();

        first.Writer.TryWrite(new WatchEvent<V1ConfigMap>(WatchEventKind.Error, null, new V1Status { Code = 410, Reason = "Expired", Message = "too old resource version" }));
        var seen = new List<string> { await rec.NextAsync(), await rec.NextAsync(), await rec.NextAsync() };
        Assert.Equal(["add c", "tombstone ns/b", "update a 5->40"], seen.Order());
        Assert.Equal(2, informer.ListCount);
        Assert.Equal(["ns/a", "ns/c"], informer.Indexer.ListKeys().Order());

        // The next watch starts from the relist's resourceVersion.
        while (lw.WatchedFrom.Count < 2)
        {
            await Task.Yield();
        }

        Assert.Equal("50", lw.WatchedFrom[1]);
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WatchThatEnds_ResumesFromLastResourceVersion_WithoutRelist()
    {
        var lw = new ScriptedListerWatcher();
        lw.Lists.Enqueue(List("10", Cm("a", "5")));
        var first = Channel.CreateUnbounded<WatchEvent<V1ConfigMap>>();
        lw.Watches.Writer.TryWrite(first);
        lw.Watches.Writer.TryWrite(Channel.CreateUnbounded<WatchEvent<V1ConfigMap>>());
        var informer = new SharedInformer<V1ConfigMap>(lw, new InformerOptions(), new FakeTimeProvider(), NullLogger.Instance, "configmaps");
        var rec = new Recorder();
        informer.AddEventHandler(rec);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await rec.NextAsync();

        first.Writer.TryWrite(new WatchEvent<V1ConfigMap>(WatchEventKind.Bookmark, Cm("", "20")));
        first.Writer.Complete();
        while (lw.WatchedFrom.Count < 2)
        {
            await Task.Yield();
        }

        Assert.Equal("20", lw.WatchedFrom[1]);
        Assert.Equal(1, informer.ListCount);
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Resync_RedeliversEveryObject_OnFakeTime()
    {
        var lw = new ScriptedListerWatcher();
        lw.Lists.Enqueue(List("10", Cm("a", "5")));
        lw.Watches.Writer.TryWrite(Channel.CreateUnbounded<WatchEvent<V1ConfigMap>>());
        var time = new FakeTimeProvider();
        var informer = new SharedInformer<V1ConfigMap>(lw, new InformerOptions { ResyncPeriod = TimeSpan.FromMinutes(1) }, time, NullLogger.Instance, "configmaps");
        var rec = new Recorder();
        informer.AddEventHandler(rec);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        Assert.Equal("add a", await rec.NextAsync());

        // The resync loop arms its timer after the sync; advance until it fires.
        string? next = null;
        while (next is null)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await Task.Yield();
            rec.Seen.Reader.TryRead(out next);
        }

        Assert.Equal("update a 5->5", next);
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ListError_IsRetriedWithBackoff()
    {
        var calls = 0;
        var lw = new FailingOnceListerWatcher(() => calls++);
        var time = new FakeTimeProvider();
        var informer = new SharedInformer<V1ConfigMap>(lw, new InformerOptions(), time, NullLogger.Instance, "configmaps");
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        while (!informer.HasSynced)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.Equal(2, calls);
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private sealed class FailingOnceListerWatcher(Action onList) : IListerWatcher<V1ConfigMap>
    {
        private int _lists;

        public Task<ObjectList<V1ConfigMap>> ListAsync(ListOptions options, CancellationToken cancellationToken)
        {
            onList();
            if (_lists++ == 0)
            {
                throw new ApiException(HttpStatusCode.ServiceUnavailable, null, "unavailable");
            }

            return Task.FromResult(List("1"));
        }

        public async IAsyncEnumerable<WatchEvent<V1ConfigMap>> WatchAsync(WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
    }

    [Fact]
    public void Indexer_OwnerIndex_FollowsUpdates()
    {
        var indexer = new Indexer<V1ConfigMap>();
        indexer.AddIndex(Indexers.OwnerUid, Indexers.ByOwnerUid);
        indexer.Upsert(Cm("a", "1", owner: "o1"));
        indexer.Upsert(Cm("b", "1", owner: "o1"));
        Assert.Equal(2, indexer.ByIndex(Indexers.OwnerUid, "o1").Count);
        indexer.Upsert(Cm("a", "2", owner: "o2"));
        Assert.Single(indexer.ByIndex(Indexers.OwnerUid, "o1"));
        Assert.Single(indexer.ByIndex(Indexers.OwnerUid, "o2"));
        indexer.Remove("ns/b");
        Assert.Empty(indexer.ByIndex(Indexers.OwnerUid, "o1"));
        Assert.Single(indexer.ListNamespace("ns"));
    }
}
