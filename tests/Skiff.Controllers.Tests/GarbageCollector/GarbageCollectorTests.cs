using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Tests.Fakes;

namespace Skiff.Controllers.Tests.GarbageCollector;

public sealed class GarbageCollectorTests
{
    private readonly FakeInformer<ObjectMetadata> _sets = new();
    private readonly FakeInformer<ObjectMetadata> _pods = new();
    private readonly FakeResourceClient<ObjectMetadata> _setClient = new(ApiResource.ReplicaSets);
    private readonly FakeResourceClient<ObjectMetadata> _podClient = new(ApiResource.Pods);
    private readonly Controllers.GarbageCollector.GarbageCollector _gc;

    public GarbageCollectorTests()
    {
        _gc = new Controllers.GarbageCollector.GarbageCollector(
            [(ApiResource.ReplicaSets, _sets), (ApiResource.Pods, _pods)],
            r => r == ApiResource.Pods ? _podClient : _setClient,
            (group, kind) => kind == "ReplicaSet" ? ApiResource.ReplicaSets : kind == "Pod" ? ApiResource.Pods : null,
            new FakeTimeProvider(),
            NullLogger.Instance);
    }

    private ObjectMetadata Owner(string name, params string[] finalizers)
    {
        var o = _setClient.Seed(new ObjectMetadata
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Finalizers = finalizers.Length == 0 ? null : [.. finalizers], DeletionTimestamp = finalizers.Length == 0 ? null : DateTime.UtcNow },
        });
        _sets.Add(o);
        return o;
    }

    private ObjectMetadata Dependent(string name, params (string Uid, bool Block)[] owners)
    {
        var p = _podClient.Seed(new ObjectMetadata
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "ns",
                OwnerReferences = [.. owners.Select(o => new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "rs-" + o.Uid, Uid = o.Uid, BlockOwnerDeletion = o.Block, Controller = true })],
            },
        });
        _pods.Add(p);
        return p;
    }

    private async Task DrainAsync()
    {
        while (_gc.Queue.Length > 0)
        {
            var (k, _) = await _gc.Queue.GetAsync(CancellationToken.None);
            _gc.Queue.Done(k);
        }
    }

    private static string Key(string prefix, string name) => $"{prefix}|ns/{name}";

    [Fact]
    public async Task DependentOfExistingOwner_IsKept()
    {
        var owner = Owner("rs");
        Dependent("p", (owner.Metadata.Uid, true));
        await _gc.SyncAsync(Key("/pods", "p"), CancellationToken.None);
        Assert.DoesNotContain(_podClient.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DependentWhoseOwnerIsGone_IsDeletedInTheBackground_AfterALiveCheck()
    {
        Dependent("p", ("missing-uid", true));
        await _gc.SyncAsync(Key("/pods", "p"), CancellationToken.None);
        Assert.Contains("delete ns/p", _podClient.Calls);
        Assert.Equal("Background", _podClient.DeleteOptions.Single()!.PropagationPolicy);
    }

    [Fact]
    public async Task OwnerMissingFromCacheButAlive_KeepsTheDependent()
    {
        // Created moments ago: the API has it, the GC's cache does not yet.
        var live = _setClient.Seed(new ObjectMetadata { Metadata = new V1ObjectMeta { Name = "rs-u-live", Uid = "u-live", NamespaceProperty = "ns" } });
        Dependent("p", (live.Metadata.Uid, true));
        await _gc.SyncAsync(Key("/pods", "p"), CancellationToken.None);
        Assert.DoesNotContain(_podClient.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OneOwnerGone_OtherRemaining_OnlyTheDanglingReferenceIsRemoved()
    {
        var owner = Owner("rs");
        Dependent("p", (owner.Metadata.Uid, true), ("missing-uid", false));
        await _gc.SyncAsync(Key("/pods", "p"), CancellationToken.None);
        var refs = _podClient.Objects.Single().Metadata.OwnerReferences;
        Assert.Equal(owner.Metadata.Uid, Assert.Single(refs).Uid);
    }

    [Fact]
    public async Task OrphanFinalizer_RemovesReferencesFromDependents_ThenTheFinalizer()
    {
        var owner = Owner("rs", "orphan");
        Dependent("p1", (owner.Metadata.Uid, true));
        Dependent("p2", (owner.Metadata.Uid, true));
        await _gc.SyncAsync(Key("apps/replicasets", "rs"), CancellationToken.None);

        Assert.All(_podClient.Objects, p => Assert.True(p.Metadata.OwnerReferences is null or { Count: 0 }));
        Assert.DoesNotContain(_podClient.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
        Assert.True(_setClient.Objects.Single().Metadata.Finalizers is null or { Count: 0 });
    }

    [Fact]
    public async Task ForegroundFinalizer_DependentsGoFirst_ThenTheFinalizerIsRemoved()
    {
        var owner = Owner("rs", "foregroundDeletion");
        var pod = Dependent("p", (owner.Metadata.Uid, true));
        await DrainAsync();

        await _gc.SyncAsync(Key("apps/replicasets", "rs"), CancellationToken.None);
        Assert.Contains("foregroundDeletion", _setClient.Objects.Single().Metadata.Finalizers!);
        Assert.Equal(1, _gc.Queue.Length);

        // The dependent sees its owner waiting for it and is deleted.
        var (key, _) = await _gc.Queue.GetAsync(CancellationToken.None);
        Assert.Equal(Key("/pods", "p"), key);
        await _gc.SyncAsync(key, CancellationToken.None);
        _gc.Queue.Done(key);
        Assert.Contains("delete ns/p", _podClient.Calls);

        _pods.Delete(pod);
        await _gc.SyncAsync(Key("apps/replicasets", "rs"), CancellationToken.None);
        Assert.True(_setClient.Objects.Single().Metadata.Finalizers is null or { Count: 0 });
    }

    [Fact]
    public async Task OwnerDeleted_EnqueuesItsDependents()
    {
        var owner = Owner("rs");
        Dependent("p", (owner.Metadata.Uid, true));
        await DrainAsync();
        _sets.Delete(owner);
        Assert.Equal(1, _gc.Queue.Length);
        Assert.Equal("ns/p", ObjectKey.Of(_pods.Indexer.List().Single()));
    }
}
