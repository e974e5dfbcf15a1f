using System.Net;
using System.Net.Http.Json;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer.Tests.Support;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Dns.Cluster;
using Skiff.Dns.Server;

namespace Skiff.Dns.Tests.Server;

/// <summary>
/// A real API server, informers, the DNS server on 127.0.0.1 (UDP and TCP) and a second DNS server standing in
/// for the upstream resolver; queries go over the wire with ARSoft's client.
/// </summary>
public sealed class ClusterDnsServerTests : IAsyncLifetime
{
    private TestServer _api = null!;
    private CancellationTokenSource _cts = null!;
    private ClusterDnsServer _dns = null!;
    private DnsServer _upstream = null!;
    private int _upstreamQueries;

    public async Task InitializeAsync()
    {
        _api = await TestServer.StartAsync();
        _cts = new CancellationTokenSource();

        // A free UDP port may still be taken for TCP (e.g. by an outgoing connection of this process): try another one.
        int upstreamPort;
        for (var attempt = 1; ; attempt++)
        {
            upstreamPort = FreePort();
            _upstream = new DnsServer(new UdpServerTransport(new IPEndPoint(IPAddress.Loopback, upstreamPort)), new TcpServerTransport(new IPEndPoint(IPAddress.Loopback, upstreamPort)));
            try
            {
                _upstream.Start();
                break;
            }
            catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse && attempt < 20)
            {
                try
                {
                    _upstream.Stop();
                }
                catch (Exception)
                {
                    // Only partly started: whatever it bound is released with it.
                }
            }
        }

        _upstream.QueryReceived += (_, e) =>
        {
            Interlocked.Increment(ref _upstreamQueries);
            var query = (DnsMessage)e.Query;
            var response = query.CreateResponseInstance();
            var q = query.Questions[0];
            if (q.Name.Equals(DomainName.Parse("www.example.test")) && q.RecordType == RecordType.A)
            {
                response.AnswerRecords.Add(new ARecord(q.Name, 60, IPAddress.Parse("192.0.2.1")));
            }
            else
            {
                response.ReturnCode = ReturnCode.NxDomain;
            }

            e.Response = response;
            return Task.CompletedTask;
        };

        var informers = new InformerFactory(new ApiConnection(_api.Client, _api.Address), new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var data = new InformerDnsData(informers);
        informers.Start(_cts.Token);
        await data.WaitForSyncAsync(_cts.Token).WaitAsync(TimeSpan.FromSeconds(60));
        var options = new DnsOptions { ListenAddress = IPAddress.Loopback, Port = 0 };
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, upstreamPort));
        _dns = new ClusterDnsServer(data, options, TimeProvider.System, NullLogger.Instance);
        _dns.Start();
    }

    public async Task DisposeAsync()
    {
        await _dns.DisposeAsync();
        _upstream.Stop();
        await _cts.CancelAsync();
        await _api.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Query_ServiceCreated_AnsweredWithClusterIP(bool tcp)
    {
        var name = "web" + (tcp ? "-tcp" : "-udp");
        var created = await CreateAsync("/api/v1/namespaces/default/services", new
        {
            apiVersion = "v1",
            kind = "Service",
            metadata = new { name },
            spec = new { selector = new { app = name }, ports = new[] { new { name = "http", port = 80, protocol = "TCP" } } },
        });
        var clusterIP = created.GetProperty("spec").GetProperty("clusterIP").GetString();
        Assert.StartsWith("10.43.", clusterIP);

        var response = await PollAsync($"{name}.default.svc.cluster.local", RecordType.A, tcp, r => r.AnswerRecords.Count > 0);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.True(response.IsAuthoritiveAnswer);
        Assert.Equal(clusterIP, Assert.IsType<ARecord>(Assert.Single(response.AnswerRecords)).Address.ToString());

        var srv = await QueryAsync($"_http._tcp.{name}.default.svc.cluster.local", RecordType.Srv, tcp);
        Assert.Equal(80, Assert.IsType<SrvRecord>(Assert.Single(srv.AnswerRecords)).Port);

        var missing = await QueryAsync("nothing.default.svc.cluster.local", RecordType.A, tcp);
        Assert.Equal(ReturnCode.NxDomain, missing.ReturnCode);
    }

    [Fact]
    public async Task Query_HeadlessServiceWithEndpointSlice_EndpointAndHostnameRecords()
    {
        await CreateAsync("/api/v1/namespaces/default/services", new
        {
            apiVersion = "v1",
            kind = "Service",
            metadata = new { name = "db" },
            spec = new { clusterIP = "None", ports = new[] { new { name = "pg", port = 5432, protocol = "TCP" } } },
        });
        await CreateAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", new
        {
            apiVersion = "discovery.k8s.io/v1",
            kind = "EndpointSlice",
            metadata = new { name = "db-1", labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "db" } },
            addressType = "IPv4",
            endpoints = new[]
            {
                new { addresses = new[] { "10.42.0.7" }, hostname = "db-0", conditions = new { ready = true } },
                new { addresses = new[] { "10.42.0.8" }, hostname = "db-1", conditions = new { ready = true } },
            },
            ports = new[] { new { name = "pg", port = 5432, protocol = "TCP" } },
        });

        var all = await PollAsync("db.default.svc.cluster.local", RecordType.A, false, r => r.AnswerRecords.Count == 2);
        Assert.Equal(["10.42.0.7", "10.42.0.8"], all.AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString()).Order());
        var pod = await QueryAsync("db-1.db.default.svc.cluster.local", RecordType.A, true);
        Assert.Equal("10.42.0.8", Assert.IsType<ARecord>(Assert.Single(pod.AnswerRecords)).Address.ToString());
        var ptr = await QueryAsync("7.0.42.10.in-addr.arpa", RecordType.Ptr, false);
        Assert.Equal("db-0.db.default.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(ptr.AnswerRecords)).PointerDomainName.ToString());
    }

    [Fact]
    public async Task Query_OutsideCluster_ForwardedUpstreamAndCached()
    {
        var first = await QueryAsync("www.example.test", RecordType.A, false);
        Assert.Equal("192.0.2.1", Assert.IsType<ARecord>(Assert.Single(first.AnswerRecords)).Address.ToString());
        Assert.False(first.IsAuthoritiveAnswer);
        var upstreamAfterFirst = Volatile.Read(ref _upstreamQueries);
        var second = await QueryAsync("www.example.test", RecordType.A, true);
        Assert.Equal("192.0.2.1", Assert.IsType<ARecord>(Assert.Single(second.AnswerRecords)).Address.ToString());
        Assert.Equal(upstreamAfterFirst, Volatile.Read(ref _upstreamQueries));
        Assert.True(_dns.Forwarder!.CacheHits >= 1);

        var nx = await QueryAsync("missing.example.test", RecordType.A, false);
        Assert.Equal(ReturnCode.NxDomain, nx.ReturnCode);
    }

    [Fact]
    public async Task Query_ExternalNameService_CnameFollowedByTheTargetsAddressFromUpstream()
    {
        await CreateAsync("/api/v1/namespaces/default/services", new
        {
            apiVersion = "v1",
            kind = "Service",
            metadata = new { name = "ext" },
            spec = new { type = "ExternalName", externalName = "www.example.test" },
        });

        var a = await PollAsync("ext.default.svc.cluster.local", RecordType.A, false, r => r.AnswerRecords.Count > 0);
        Assert.Equal(ReturnCode.NoError, a.ReturnCode);
        Assert.Equal("www.example.test.", Assert.IsType<CNameRecord>(a.AnswerRecords[0]).CanonicalName.ToString());
        Assert.Equal("192.0.2.1", Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords.Skip(1))).Address.ToString());

        // Asked for the alias itself: only the CNAME.
        var cname = await QueryAsync("ext.default.svc.cluster.local", RecordType.CName, true);
        Assert.IsType<CNameRecord>(Assert.Single(cname.AnswerRecords));
    }

    private async Task<System.Text.Json.JsonElement> CreateAsync(string path, object body)
    {
        using var response = await _api.Client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<DnsMessage> QueryAsync(string name, RecordType type, bool tcp)
    {
        IClientTransport transport = tcp ? new TcpClientTransport(_dns.Port) : new UdpClientTransport(_dns.Port);
        var client = new DnsClient([IPAddress.Loopback], [transport], false, 5000);
        var query = new DnsMessage { IsRecursionDesired = true };
        query.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        var response = await client.SendMessageAsync(query);
        Assert.NotNull(response);
        return response;
    }

    // Informers deliver the change asynchronously: poll with a generous deadline, never assert on timing.
    private async Task<DnsMessage> PollAsync(string name, RecordType type, bool tcp, Func<DnsMessage, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await QueryAsync(name, type, tcp);
            if (done(response) || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var udp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.LocalEndPoint!).Port;
    }
}
