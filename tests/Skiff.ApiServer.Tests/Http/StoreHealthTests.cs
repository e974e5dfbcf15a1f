using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer.Tests.Support;
using Skiff.Storage;
using Skiff.Storage.Sqlite;

namespace Skiff.ApiServer.Tests.Http;

/// <summary>/healthz, /livez and /readyz run the store's health check as kube-apiserver's <c>etcd</c> check.</summary>
public sealed class StoreHealthTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "skiff-health-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestCertificates _certs = new();
    private HealthSwitchStore _store = null!;
    private IApiServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _store = new HealthSwitchStore(await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = Path.Combine(_dir, "state.db") }, null));
        var options = new ApiServerOptions { Port = 0, ServingCertificate = _certs.Serving, ClientCaCertificate = _certs.Ca };
        _server = await ApiServerHost.StartAsync(options, _store, NullLoggerFactory.Instance);
        await _server.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        _client = new HttpClient(handler) { BaseAddress = _server.Address };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task HealthyStore_ReadyzVerboseListsEtcdOk()
    {
        var body = await _client.GetStringAsync("/readyz?verbose");

        Assert.Equal("[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\nreadyz check passed\n", body);
        Assert.Equal("ok", await _client.GetStringAsync("/readyz/etcd"));
        Assert.Equal("ok", await _client.GetStringAsync("/livez"));
    }

    [Fact]
    public async Task UnhealthyStore_ReadyzLivezAndTheEtcdCheckAnswer503()
    {
        _store.Healthy = false;

        var readyz = await _client.GetAsync("/readyz");
        var livez = await _client.GetAsync("/livez?verbose");
        var etcd = await _client.GetAsync("/readyz/etcd");
        var ping = await _client.GetAsync("/readyz/ping");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
        Assert.Equal("[+]ping ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\nreadyz check failed\n", await readyz.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, livez.StatusCode);
        Assert.Equal("[+]ping ok\n[-]etcd failed: reason withheld\nlivez check failed\n", await livez.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, etcd.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);

        _store.Healthy = true;
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task UnknownCheck_Answers404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/readyz/nope")).StatusCode);
    }

    /// <summary>A SQLite store whose health check a test can switch off.</summary>
    private sealed class HealthSwitchStore(SqliteStore inner) : IStore, IStoreHealth
    {
        public volatile bool Healthy = true;

        public ValueTask CheckHealthAsync(CancellationToken cancellationToken = default) =>
            Healthy ? ValueTask.CompletedTask : ValueTask.FromException(new InvalidOperationException("store is down (test)"));

        public ValueTask<long> GetCurrentRevisionAsync(CancellationToken cancellationToken = default) => inner.GetCurrentRevisionAsync(cancellationToken);

        public ValueTask<long> GetCompactRevisionAsync(CancellationToken cancellationToken = default) => inner.GetCompactRevisionAsync(cancellationToken);

        public ValueTask<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public ValueTask<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default) =>
            inner.RangeAsync(prefix, revision, startAfterKey, limit, cancellationToken);

        public ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default) => inner.CountAsync(prefix, cancellationToken);

        public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => inner.CreateAsync(key, value, cancellationToken);

        public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default) =>
            inner.UpdateAsync(key, value, expectedModRevision, cancellationToken);

        public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(key, expectedModRevision, cancellationToken);

        public IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default) =>
            inner.WatchAsync(prefix, afterRevision, cancellationToken);

        public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
