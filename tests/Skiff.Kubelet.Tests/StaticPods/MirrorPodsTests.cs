using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Api;
using Skiff.Kubelet.StaticPods;

namespace Skiff.Kubelet.Tests.StaticPods;

public sealed class MirrorPodsTests
{
    private const string Manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: [{name: c, image: 'i:1'}]\n";

    private readonly FakePods _pods = new();
    private readonly FakeNodes _nodes = new();

    private MirrorPods Mirrors() => new(_pods, _nodes, "n1", NullLogger.Instance);

    private static Dictionary<string, V1Pod> Static(string manifest = Manifest)
    {
        var pod = StaticPodManifests.Parse(manifest, "/m/web.yaml", "n1", DateTime.UnixEpoch).Pods[0];
        return new() { [pod.Metadata.Uid] = pod };
    }

    private static V1Pod ApiMirror(V1Pod staticPod, string uid, string? hash = null, bool deleting = false)
    {
        var mirror = StaticPodManifests.Mirror(staticPod, new V1Node { Metadata = new V1ObjectMeta { Name = "n1", Uid = "node" } });
        mirror.Metadata.Uid = uid;
        if (hash is not null)
        {
            mirror.Metadata.Annotations[StaticPodManifests.MirrorAnnotation] = hash;
        }

        mirror.Metadata.DeletionTimestamp = deleting ? DateTime.UnixEpoch : null;
        return mirror;
    }

    [Fact]
    public async Task Sync_MissingMirror_CreatedOwnedByTheNode()
    {
        var statics = Static();

        var created = await Mirrors().SyncAsync(statics, [], default);

        Assert.Equal(statics.Keys, created);
        var mirror = Assert.Single(_pods.Created);
        Assert.Equal("web-n1", mirror.Metadata.Name);
        Assert.Equal("node-uid", mirror.Metadata.OwnerReferences[0].Uid);
        Assert.Empty(_pods.Deleted);
    }

    [Fact]
    public async Task Sync_CurrentMirror_Untouched()
    {
        var statics = Static();
        var created = await Mirrors().SyncAsync(statics, [ApiMirror(statics.Values.First(), "m1")], default);

        Assert.Empty(created);
        Assert.Empty(_pods.Created);
        Assert.Empty(_pods.Deleted);
    }

    [Fact]
    public async Task Sync_OutdatedOrDeletingMirror_DeletedWithUidPreconditionAndRecreated()
    {
        var statics = Static();
        var pod = statics.Values.First();

        await Mirrors().SyncAsync(statics, [ApiMirror(pod, "old", hash: "0123")], default);
        await Mirrors().SyncAsync(statics, [ApiMirror(pod, "deleting", deleting: true)], default);

        Assert.Equal([("web-n1", "old", 0L), ("web-n1", "deleting", 0L)], _pods.Deleted);
        Assert.Equal(2, _pods.Created.Count);
    }

    [Fact]
    public async Task Sync_MirrorWithoutStaticPod_Deleted()
    {
        var orphan = ApiMirror(Static().Values.First(), "orphan");

        await Mirrors().SyncAsync(new Dictionary<string, V1Pod>(), [orphan], default);

        Assert.Equal([("web-n1", "orphan", 0L)], _pods.Deleted);
        Assert.Empty(_pods.Created);
    }

    [Fact]
    public async Task Sync_CreateRejected_ReportsNothingCreatedAndRetriesNextTime()
    {
        _pods.CreateFails = true;
        var statics = Static();

        Assert.Empty(await Mirrors().SyncAsync(statics, [], default));
        _pods.CreateFails = false;
        Assert.Equal(statics.Keys, await Mirrors().SyncAsync(statics, [], default));
    }

    private sealed class FakePods : IResourceClient<V1Pod>
    {
        public List<V1Pod> Created { get; } = [];

        public List<(string Name, string Uid, long Grace)> Deleted { get; } = [];

        public bool CreateFails { get; set; }

        public ApiResource Resource => ApiResource.Pods;

        public Task<V1Pod> CreateAsync(V1Pod obj, CancellationToken cancellationToken)
        {
            if (CreateFails)
            {
                throw new ApiException(HttpStatusCode.Forbidden, new V1Status { Reason = "Forbidden" }, "namespaces \"default\" is being terminated");
            }

            Created.Add(obj);
            return Task.FromResult(obj);
        }

        public Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
        {
            Deleted.Add((name, options!.Preconditions.Uid, options.GracePeriodSeconds ?? -1));
            return Task.CompletedTask;
        }

        public Task<ObjectList<V1Pod>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchEvent<V1Pod>> WatchAsync(string? ns, WatchOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Pod> GetAsync(string? ns, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Pod> UpdateAsync(V1Pod obj, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();

        public Task<V1Pod> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();
    }

    private sealed class FakeNodes : IResourceClient<V1Node>
    {
        public ApiResource Resource => ApiResource.Nodes;

        public Task<V1Node> GetAsync(string? ns, string name, CancellationToken cancellationToken) =>
            Task.FromResult(new V1Node { Metadata = new V1ObjectMeta { Name = name, Uid = "node-uid" } });

        public Task<ObjectList<V1Node>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchEvent<V1Node>> WatchAsync(string? ns, WatchOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Node> CreateAsync(V1Node obj, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Node> UpdateAsync(V1Node obj, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();

        public Task<V1Node> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();

        public Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
