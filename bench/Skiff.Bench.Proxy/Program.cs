using System.Diagnostics;
using System.Net.Http.Json;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer.Tests.Support;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Proxy;
using Skiff.Proxy.Nft;
using Skiff.Proxy.Rules;

// Service proxy benchmark (issue 9): with 1,000 Services x 10 endpoints, the time to render and `nft -f` the
// whole table, and the time from a change written to the API server to its rules being live. Every nft command
// runs inside a network namespace this program creates and deletes.
const int Services = 1000, EndpointsPerService = 10, ApplyRuns = 10, Changes = 40;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
var ns = "skiff-bench-" + Guid.NewGuid().ToString("N")[..8];
Run("ip", "netns", "add", ns);
try
{
    // 1. Render and apply of the full table.
    var services = new List<V1Service>();
    var slices = new List<V1EndpointSlice>();
    for (var i = 0; i < Services; i++)
    {
        services.Add(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = $"svc-{i}", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { Type = "ClusterIP", ClusterIP = $"10.43.{i / 250}.{i % 250 + 1}", Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
        });
        slices.Add(Slice($"svc-{i}", $"svc-{i}-a", i));
    }

    var applier = new NftApplier(networkNamespace: ns);
    var render = new List<double>();
    var apply = new List<double>();
    string text = "";
    for (var run = 0; run < ApplyRuns; run++)
    {
        var sw = Stopwatch.StartNew();
        text = NftRenderer.Render(RuleModelBuilder.Build(services, slices, "node-a", ["192.168.1.2"], "10.42.0.0/16"));
        render.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        await applier.ApplyAsync(text, CancellationToken.None);
        apply.Add(sw.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine($"table: {Services} services x {EndpointsPerService} endpoints, {text.Length / 1024} KiB of nft text");
    Console.WriteLine($"model+render: p50 {P(render, 50):F1} ms, p99 {P(render, 99):F1} ms ({ApplyRuns} runs)");
    Console.WriteLine($"nft -f apply: p50 {P(apply, 50):F1} ms, p99 {P(apply, 99):F1} ms ({ApplyRuns} runs)");

    // 2. Change -> live through a real API server, informers and the coalescing loop.
    await using var api = await TestServer.StartAsync();
    var sem = new SemaphoreSlim(16);
    var created = new List<string>();
    var setup = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Services).Select(async i =>
    {
        await sem.WaitAsync();
        try
        {
            using var r1 = await api.Client.PostAsJsonAsync("/api/v1/namespaces/default/services", new
            {
                apiVersion = "v1", kind = "Service", metadata = new { name = $"svc-{i}" },
                spec = new { ports = new[] { new { name = "http", port = 80, protocol = "TCP" } } },
            });
            r1.EnsureSuccessStatusCode();
            using var r2 = await api.Client.PostAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
                new StringContent(k8s.KubernetesJson.Serialize(Slice($"svc-{i}", $"svc-{i}-a", i)), System.Text.Encoding.UTF8, "application/json"));
            r2.EnsureSuccessStatusCode();
        }
        finally
        {
            sem.Release();
        }
    }));
    Console.WriteLine($"setup: {Services} services and slices created in {setup.Elapsed.TotalSeconds:F1} s");

    using var cts = new CancellationTokenSource();
    var informers = new InformerFactory(new ApiConnection(api.Client, api.Address), new InformerOptions(), TimeProvider.System, NullLoggerFactory.Instance);
    var proxy = new ServiceProxy(informers, new ProxyOptions { NodeName = "node-a", NetworkNamespace = ns }, TimeProvider.System, NullLogger<ServiceProxy>.Instance);
    TaskCompletionSource? waiting = null;
    string? want = null;
    proxy.Applied += _ =>
    {
        if (want is not null && proxy.LastAppliedText?.Contains(want) == true)
        {
            waiting?.TrySetResult();
        }
    };
    var first = new TaskCompletionSource();
    want = $"dnat to 10.42.{(Services - 1) / 25}.{(Services - 1) % 25 * 10 + 9}:8080";
    waiting = first;
    var runTask = proxy.RunAsync(cts.Token);
    var initial = Stopwatch.StartNew();
    await first.Task.WaitAsync(TimeSpan.FromMinutes(5));
    Console.WriteLine($"initial sync: {initial.Elapsed.TotalMilliseconds:F0} ms to the first complete table");

    var latencies = new List<double>();
    for (var k = 0; k < Changes; k++)
    {
        var ip = $"10.42.250.{k + 1}";
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        want = $"dnat to {ip}:8080";
        waiting = tcs;
        var sw = Stopwatch.StartNew();
        var extra = new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = $"svc-{k * 17 % Services}-extra-{k}", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = $"svc-{k * 17 % Services}" } },
            AddressType = "IPv4",
            Endpoints = [new V1Endpoint { Addresses = [ip], Conditions = new V1EndpointConditions { Ready = true } }],
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        };
        using var r = await api.Client.PostAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", new StringContent(k8s.KubernetesJson.Serialize(extra), System.Text.Encoding.UTF8, "application/json"));
        r.EnsureSuccessStatusCode();
        await tcs.Task.WaitAsync(TimeSpan.FromMinutes(1));
        latencies.Add(sw.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine($"change -> rules live: p50 {P(latencies, 50):F0} ms, p99 {P(latencies, 99):F0} ms, max {latencies.Max():F0} ms ({Changes} sequential EndpointSlice creates; includes the 100 ms coalescing window; {proxy.PartialApplyCount} of {proxy.ApplyCount} applies were partial)");
    await cts.CancelAsync();
    await runTask;
}
finally
{
    Run("ip", "netns", "delete", ns);
}

V1EndpointSlice Slice(string service, string name, int i) => new()
{
    ApiVersion = "discovery.k8s.io/v1",
    Kind = "EndpointSlice",
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
    AddressType = "IPv4",
    Endpoints = [.. Enumerable.Range(0, EndpointsPerService).Select(e => new V1Endpoint
    {
        Addresses = [$"10.42.{i / 25}.{i % 25 * 10 + e}"],
        NodeName = e % 2 == 0 ? "node-a" : "node-b",
        Conditions = new V1EndpointConditions { Ready = true },
    })],
    Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
};

static double P(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
}

static void Run(params string[] command)
{
    var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
    foreach (var a in command.Skip(1))
    {
        start.ArgumentList.Add(a);
    }

    using var p = Process.Start(start)!;
    p.WaitForExit();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{string.Join(' ', command)} exited {p.ExitCode}");
    }
}
