using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer.Tests.Support;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Dns;
using Skiff.Dns.Cluster;
using Skiff.Dns.Server;

// Cluster DNS benchmark (issue 9): queries per second and latency of A queries for Services answered from the
// informer caches, over UDP on 127.0.0.1, from 1 client and from 16 concurrent clients. Traffic stays on loopback.
const int Services = 1000, Sequential = 20_000, Concurrent = 16, PerClient = 5_000;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
await using var api = await TestServer.StartAsync();
var sem = new SemaphoreSlim(16);
await Task.WhenAll(Enumerable.Range(0, Services).Select(async i =>
{
    await sem.WaitAsync();
    try
    {
        var body = "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc-" + i + "\"},\"spec\":{\"ports\":[{\"name\":\"http\",\"port\":80}]}}";
        using var r = await api.Client.PostAsync("/api/v1/namespaces/default/services", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        r.EnsureSuccessStatusCode();
    }
    finally
    {
        sem.Release();
    }
}));

using var cts = new CancellationTokenSource();
var informers = new InformerFactory(new ApiConnection(api.Client, api.Address), new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
var data = new InformerDnsData(informers);
informers.Start(cts.Token);
await data.WaitForSyncAsync(cts.Token);
var options = new DnsOptions { ListenAddress = IPAddress.Loopback, Port = 0 };
options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, 9)); // never used: every query is in the cluster zone
await using var server = new ClusterDnsServer(data, options, TimeProvider.System, NullLogger.Instance);
server.Start();
Console.WriteLine($"{Services} services; DNS on 127.0.0.1:{server.Port} (UDP)");

async Task<List<double>> ClientAsync(int count, int offset)
{
    var client = new DnsClient([IPAddress.Loopback], [new UdpClientTransport(server.Port)], false, 5000);
    var latencies = new List<double>(count);
    for (var i = 0; i < count; i++)
    {
        var query = new DnsMessage { IsRecursionDesired = true };
        query.Questions.Add(new DnsQuestion(DomainName.Parse($"svc-{(i + offset) % Services}.default.svc.cluster.local"), RecordType.A, RecordClass.INet));
        var sw = Stopwatch.StartNew();
        var response = await client.SendMessageAsync(query);
        latencies.Add(sw.Elapsed.TotalMilliseconds);
        if (response is null || response.AnswerRecords.Count != 1)
        {
            throw new InvalidOperationException($"no answer for {query.Questions[0].Name}");
        }
    }

    return latencies;
}

await ClientAsync(2000, 0); // warm-up
var total = Stopwatch.StartNew();
var one = await ClientAsync(Sequential, 7);
Report("1 client", one, total.Elapsed);
total.Restart();
var many = (await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(c => Task.Run(() => ClientAsync(PerClient, c * 61))))).SelectMany(l => l).ToList();
Report($"{Concurrent} clients", many, total.Elapsed);
await cts.CancelAsync();

static void Report(string name, List<double> latencies, TimeSpan elapsed)
{
    var sorted = latencies.Order().ToList();
    double P(int p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    Console.WriteLine($"{name}: {latencies.Count / elapsed.TotalSeconds:F0} queries/s, p50 {P(50):F3} ms, p99 {P(99):F3} ms ({latencies.Count} A queries)");
}
