using System.Diagnostics;
using Skiff.Bench.ApiServer;

// API server benchmark (issue 2, Acceptance): creates/s and latency of 1 KiB ConfigMaps with 1 and with 64
// clients, LIST latency of 10,000 ConfigMaps, and the server's RSS idle and with 10,000 objects, over HTTPS
// with HTTP/2 and client certificate auth as kubectl uses them. See bench/README.md and BenchOptions.Usage.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the run and still stops the server we started; a second one ends us at once.
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};
var ct = cancel.Token;
var clock = Stopwatch.StartNew();
void Progress(string message) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {message}");

var machine = Machine.Current();
var loadBefore = ProcessStats.LoadAverage();
Progress($"machine: {machine}; load average {loadBefore}");

SkiffServerProcess? server = null;
HttpClient[] clients = [];
BenchResults results;
try
{
    ClusterConnection connection;
    int? pid;
    if (options.Kubeconfig is not null)
    {
        connection = ClusterConnection.FromKubeconfig(options.Kubeconfig);
        pid = options.Pid;
    }
    else
    {
        var skiff = options.SkiffPath ?? SkiffServerProcess.DefaultSkiffPath();
        Progress($"starting skiff server ({skiff})");
        server = await SkiffServerProcess.StartAsync(skiff, options.ServerEnvironment, options.Keep, options.WithControllers, options.WithControllers, ct, options.DatastoreEndpoint);
        Progress($"skiff server is ready: pid {server.Pid}, port {server.Port}, log {server.LogPath}");
        connection = ClusterConnection.FromKubeconfig(server.KubeconfigPath);
        pid = server.Pid;
    }

    clients = [.. Enumerable.Range(0, options.Connections).Select(_ => connection.CreateClient())];
    var workload = new ApiWorkload(clients, pid);
    results = new BenchResults
    {
        Machine = machine,
        Mode = server is null ? "already running" : "started by the benchmark",
        Server = connection.Server,
        ServerCommand = server?.Command,
        Pid = pid,
        LoadAverageBefore = loadBefore,
        Clients = options.Clients,
        Connections = options.Connections,
        ListObjects = options.ListObjects,
    };
    results.ServerVersion = await workload.ServerVersionAsync(ct);

    // Idle: after start-up has settled, before any load. (The /version request above is the only one so far.)
    await Task.Delay(TimeSpan.FromSeconds(2), ct);
    results.RssIdleMiB = ProcessStats.RssMiB(pid);
    Progress($"server {results.ServerVersion}, {connection.Credential}; RSS idle {results.RssIdleMiB:F1} MiB");

    // Fresh namespaces per run, so runs against a long-lived server do not collide.
    var run = Guid.NewGuid().ToString("N")[..6];
    var listNs = "bench-list-" + run;
    var createNs = "bench-create-" + run;
    await workload.EnsureNamespaceAsync(createNs, ct);

    // Warm-up: the LIST test's objects double as the warm-up of the create path (JIT, tiering, pools, the
    // store's file), so the server holds exactly the LIST test's objects when its RSS is read after it.
    var warmNs = options.Phases.Contains("list") ? listNs : createNs;
    var warmCount = options.Phases.Contains("list") ? options.ListObjects : Math.Min(3_000, options.CreatesConcurrent);
    await workload.EnsureNamespaceAsync(warmNs, ct);
    var warmSequential = Math.Min(1_000, warmCount / 10);
    Progress($"warm-up: {warmCount:N0} creates in {warmNs} ({warmSequential:N0} from 1 client, the rest from {options.Clients})");
    await workload.CreateAsync(warmNs, "cm", 0, warmSequential, 1, ct);
    results.Populate = await workload.CreateAsync(warmNs, "cm", warmSequential, warmCount - warmSequential, options.Clients, ct);
    var objects = warmCount;

    if (options.Phases.Contains("list"))
    {
        var items = await workload.CountAsync(listNs, ct);
        if (items != options.ListObjects)
        {
            throw new InvalidOperationException($"LIST of {listNs} returned {items} items, expected {options.ListObjects}");
        }

        // Enough LISTs for both sides' tiered JIT to reach optimized code (30 calls, then a background compile).
        await workload.ListAsync(listNs, resourceVersionZero: false, 10, ct);
        await workload.ListAsync(listNs, resourceVersionZero: true, 10, ct);
        Progress($"LIST {options.ListObjects:N0} x {options.Lists}, resourceVersion unset");
        (results.ListConsistent, results.ListBytes) = await workload.ListAsync(listNs, resourceVersionZero: false, options.Lists, ct);
        Progress($"LIST {options.ListObjects:N0} x {options.Lists}, resourceVersion=0");
        (results.ListRv0, _) = await workload.ListAsync(listNs, resourceVersionZero: true, options.Lists, ct);
        results.RssWithObjectsMiB = ProcessStats.RssMiB(pid);
        Progress($"RSS with {options.ListObjects:N0} objects: {results.RssWithObjectsMiB:F1} MiB");
    }

    if (options.Phases.Contains("create1"))
    {
        Progress($"creates: {options.Creates1:N0} from 1 client");
        results.Create1 = await workload.CreateAsync(createNs, "one", 0, options.Creates1, 1, ct);
        objects += options.Creates1;
    }

    if (options.Phases.Contains("create64"))
    {
        Progress($"creates: {options.CreatesConcurrent:N0} from {options.Clients} clients");
        results.CreateConcurrent = await workload.CreateAsync(createNs, "many", 0, options.CreatesConcurrent, options.Clients, ct);
        objects += options.CreatesConcurrent;
    }

    if (options.Phases.Contains("create1") || options.Phases.Contains("create64"))
    {
        // Every acknowledged create must be there: a fast server that drops writes is no result.
        var expected = (warmNs == createNs ? warmCount : 0) + (results.Create1?.Operations ?? 0) + (results.CreateConcurrent?.Operations ?? 0);
        var found = await workload.CountAsync(createNs, ct);
        if (found != expected)
        {
            throw new InvalidOperationException($"LIST of {createNs} returned {found} ConfigMaps, expected {expected}");
        }
    }

    results.ObjectsEnd = objects;
    results.RssEndMiB = ProcessStats.RssMiB(pid);
    results.PeakRssMiB = ProcessStats.PeakRssMiB(pid);
    results.ThreadsEnd = ProcessStats.Threads(pid);
    results.Errors.AddRange(workload.Errors);
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
{
    Console.Error.WriteLine("benchmark failed: " + e.Message);
    return 1;
}
finally
{
    foreach (var client in clients)
    {
        client.Dispose();
    }

    if (server is not null)
    {
        Progress($"stopping skiff server (pid {server.Pid}) with SIGTERM");
        await server.DisposeAsync();
    }
}

Console.WriteLine(Report.Table(results));
Console.WriteLine(Report.Json(results));
return results.Errors.Count == 0 ? 0 : 1;
