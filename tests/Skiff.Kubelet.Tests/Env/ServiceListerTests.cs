using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Tests.Env;

public sealed class ServiceListerTests
{
    private readonly Indexer<V1Service> _cache = new();
    private readonly FakeServices _api = new();
    private bool _synced;

    public ServiceListerTests()
    {
        foreach (var svc in new[] { Service("default", "kubernetes", "10.43.0.1"), Service("shop", "cart", "10.43.0.20"), Service("other", "db", "10.43.0.30") })
        {
            _cache.Upsert(svc);
            _api.Items.Add(svc);
        }
    }

    private ServiceLister Lister() => new(_cache, () => _synced, _api);

    private static V1Service Service(string ns, string name, string ip) => new()
    {
        Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = name },
        Spec = new V1ServiceSpec { ClusterIP = ip, Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }] },
    };

    [Fact]
    public async Task EnvironmentAsync_CacheSynced_ReadsTheCacheAndListsNothing()
    {
        _synced = true;

        var env = await Lister().EnvironmentAsync("shop", null, CancellationToken.None);

        Assert.Equal(0, _api.Lists);
        Assert.Equal("10.43.0.20", env["CART_SERVICE_HOST"]);
        Assert.Equal("10.43.0.1", env["KUBERNETES_SERVICE_HOST"]);
        Assert.DoesNotContain("DB_SERVICE_HOST", env.Keys);
    }

    [Fact]
    public async Task EnvironmentAsync_CacheNotSyncedYet_ListsTheApiWithTheSameResult()
    {
        _synced = true;
        var fromCache = await Lister().EnvironmentAsync("shop", null, CancellationToken.None);
        _synced = false;

        var fromApi = await Lister().EnvironmentAsync("shop", null, CancellationToken.None);

        Assert.Equal(2, _api.Lists);
        Assert.Equal(fromCache.OrderBy(kv => kv.Key), fromApi.OrderBy(kv => kv.Key));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EnvironmentAsync_ServiceLinksDisabled_OnlyTheMasterService(bool synced)
    {
        _synced = synced;

        var env = await Lister().EnvironmentAsync("shop", false, CancellationToken.None);

        Assert.Equal("10.43.0.1", env["KUBERNETES_SERVICE_HOST"]);
        Assert.DoesNotContain("CART_SERVICE_HOST", env.Keys);
    }

    private sealed class FakeServices : IResourceClient<V1Service>
    {
        public List<V1Service> Items { get; } = [];

        public int Lists { get; private set; }

        public ApiResource Resource => ApiResource.Services;

        public Task<ObjectList<V1Service>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken)
        {
            Lists++;
            return Task.FromResult(new ObjectList<V1Service> { Items = [.. Items.Where(s => ns is null || s.Metadata.NamespaceProperty == ns)] });
        }

        public Task<V1Service> CreateAsync(V1Service obj, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchEvent<V1Service>> WatchAsync(string? ns, WatchOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Service> GetAsync(string? ns, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Service> UpdateAsync(V1Service obj, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();

        public Task<V1Service> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();
    }
}
