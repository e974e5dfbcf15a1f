using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Skiff.Storage.Etcd;
using Skiff.Tests.Support;

namespace Skiff.Storage.Tests.Etcd;

/// <summary>etcd-specific behaviour beyond the shared contract: a dropped watch stream, key prefixes, TLS and errors.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdStoreTests(EtcdFixture fixture)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    private readonly string _prefix = "/etcd-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Watch_StreamDroppedWhileWritersRun_ResumesWithoutGapOrDuplicate()
    {
        await using var proxy = new TcpProxy(fixture.Etcd.ClientUrl.Port);
        await using var writer = await OpenAsync(fixture.Etcd.ClientUrl);
        await using var watcher = await OpenAsync(proxy.Url);
        var r0 = await writer.GetCurrentRevisionAsync();
        const int Total = 300;

        using var cts = new CancellationTokenSource(WaitLimit);
        var events = new List<StoreEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in watcher.WatchAsync("/drop/", r0, cts.Token))
            {
                events.Add(e);
                if (events.Count == Total)
                {
                    break;
                }
            }
        });

        for (var i = 0; i < Total; i++)
        {
            await writer.CreateAsync($"/drop/{i:D3}", Encoding.UTF8.GetBytes("x"));
            if (i % 100 == 50)
            {
                proxy.DropAll();
            }
        }

        await watching.WaitAsync(WaitLimit);

        Assert.True(proxy.Dropped >= 2, $"the proxy cut {proxy.Dropped} connections");
        Assert.Equal(Enumerable.Range(1, Total).Select(i => r0 + i), events.Select(e => e.Revision));
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"/drop/{i:D3}"), events.Select(e => e.Kv.Key));
    }

    [Fact]
    public async Task KeyPrefix_SeparatesClustersSharingOneEtcd()
    {
        await using var a = await OpenAsync(fixture.Etcd.ClientUrl, _prefix + "-a");
        await using var b = await OpenAsync(fixture.Etcd.ClientUrl, _prefix + "-b");

        await a.CreateAsync("/registry/x", Encoding.UTF8.GetBytes("a"));
        var fromB = await b.CreateAsync("/registry/x", Encoding.UTF8.GetBytes("b"));

        Assert.True(fromB.Succeeded);
        Assert.Equal("a", Encoding.UTF8.GetString((await a.GetAsync("/registry/x"))!.Value.Span));
        Assert.Equal(["/registry/x"], (await b.RangeAsync("/")).Items.Select(kv => kv.Key));
        Assert.Equal(1, await a.CountAsync(""));
    }

    [Fact]
    public async Task Open_NothingListening_FailsNamingTheEndpoint()
    {
        var port = FreePort();

        var ex = await Assert.ThrowsAsync<EtcdStoreException>(() =>
            EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = [new Uri($"http://127.0.0.1:{port}")], RequestTimeout = TimeSpan.FromSeconds(5) }, null));

        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralEndpoints_FirstUnreachable_UsesTheNext()
    {
        var dead = new Uri($"http://127.0.0.1:{FreePort()}");
        await using var store = await EtcdStore.OpenAsync(
            new EtcdStoreOptions { Endpoints = [dead, fixture.Etcd.ClientUrl], KeyPrefix = _prefix, CompactionInterval = TimeSpan.Zero }, null);

        var created = await store.CreateAsync("/multi/a", Encoding.UTF8.GetBytes("x"));

        Assert.True(created.Succeeded);
        Assert.Equal($"{dead.GetLeftPart(UriPartial.Authority)},{fixture.Etcd.ClientUrl.GetLeftPart(UriPartial.Authority)}", store.Endpoint);
    }

    [Fact]
    public async Task SeveralEndpoints_TheUsedOneGoesAway_CallsAndWatchesMoveToAnother()
    {
        var first = new TcpProxy(fixture.Etcd.ClientUrl.Port);
        await using var second = new TcpProxy(fixture.Etcd.ClientUrl.Port);
        await using var store = await EtcdStore.OpenAsync(
            new EtcdStoreOptions { Endpoints = [first.Url, second.Url], KeyPrefix = _prefix, CompactionInterval = TimeSpan.Zero }, null);
        var r0 = await store.GetCurrentRevisionAsync();
        using var cts = new CancellationTokenSource(WaitLimit);
        var firstEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = Task.Run(async () =>
        {
            var keys = new List<string>();
            await foreach (var e in store.WatchAsync("/failover/", r0, cts.Token))
            {
                keys.Add(e.Kv.Key);
                firstEvent.TrySetResult();
                if (keys.Count == 2)
                {
                    return keys;
                }
            }

            return keys;
        });
        await store.CreateAsync("/failover/1", Encoding.UTF8.GetBytes("x"));
        await firstEvent.Task.WaitAsync(WaitLimit);

        await first.DisposeAsync();
        Assert.True(first.Dropped > 0, "the store's connection went through the first endpoint");
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            try
            {
                Assert.True((await store.CreateAsync("/failover/2", Encoding.UTF8.GetBytes("x"))).Succeeded);
                break;
            }
            catch (EtcdStoreException) when (DateTime.UtcNow < deadline)
            {
                // The call in flight when the connection went away fails; the next one goes to the other endpoint.
            }
        }

        Assert.Equal(["/failover/1", "/failover/2"], await watching.WaitAsync(WaitLimit));
    }

    [Fact]
    public async Task CheckHealth_HealthyEtcd_Succeeds()
    {
        await using var store = await OpenAsync(fixture.Etcd.ClientUrl);

        await store.CheckHealthAsync();
    }

    [Fact]
    public async Task Tls_ClientCertificateRequired_WorksWithCertificateAndFailsWithout()
    {
        using var dir = new TestDirectory();
        var pki = WritePki(dir);
        await using var etcd = await EtcdProcess.StartAsync(
            extraArguments: ["--cert-file", pki.ServerCert, "--key-file", pki.ServerKey, "--client-cert-auth", "--trusted-ca-file", pki.Ca],
            scheme: "https");

        await using var store = await EtcdStore.OpenAsync(
            new EtcdStoreOptions
            {
                Endpoints = [etcd.ClientUrl], KeyPrefix = _prefix, CaFile = pki.Ca, CertFile = pki.ClientCert, KeyFile = pki.ClientKey,
                CompactionInterval = TimeSpan.Zero,
            },
            null);
        var created = await store.CreateAsync("/tls/a", Encoding.UTF8.GetBytes("secure"));
        Assert.True(created.Succeeded);
        Assert.Equal("secure", Encoding.UTF8.GetString((await store.GetAsync("/tls/a"))!.Value.Span));

        await Assert.ThrowsAsync<EtcdStoreException>(() => EtcdStore.OpenAsync(
            new EtcdStoreOptions { Endpoints = [etcd.ClientUrl], CaFile = pki.Ca, RequestTimeout = TimeSpan.FromSeconds(10) }, null));
    }

    private async Task<EtcdStore> OpenAsync(Uri url, string? prefix = null) =>
        await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = [url], KeyPrefix = prefix ?? _prefix, CompactionInterval = TimeSpan.Zero }, null);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Pki(string Ca, string ServerCert, string ServerKey, string ClientCert, string ClientKey);

    private static Pki WritePki(TestDirectory dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test-etcd-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var ca_ = dir.File("ca.crt");
        File.WriteAllText(ca_, ca.ExportCertificatePem());
        var (serverCert, serverKey) = Issue(dir, ca, caKey, "server", "CN=127.0.0.1", server: true);
        var (clientCert, clientKey) = Issue(dir, ca, caKey, "client", "CN=skiff", server: false);
        return new Pki(ca_, serverCert, serverKey, clientCert, clientKey);
    }

    private static (string Cert, string Key) Issue(TestDirectory dir, X509Certificate2 ca, ECDsa caKey, string name, string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(8);
        using var cert = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        var certPath = dir.File(name + ".crt");
        var keyPath = dir.File(name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
