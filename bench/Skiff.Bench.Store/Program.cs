using System.Diagnostics;
using System.Runtime.InteropServices;
using Skiff.Storage;
using Skiff.Storage.Sqlite;

// Store micro benchmark: throughput and CPU cost per operation of the SQLite store, with 1 KiB values and one
// watcher following every write (as the API server's watch cache does). Usage: Skiff.Bench.Store [folder] [scale]
var folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "skiff-bench-store-" + Guid.NewGuid().ToString("N"));
var scale = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1.0;
Directory.CreateDirectory(folder);
PrintMachine(folder);

var value = new byte[1024];
Random.Shared.NextBytes(value);
try
{
    await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = Path.Combine(folder, "bench.db") }, null);
    using var watchStop = new CancellationTokenSource();
    long watched = 0;
    var watcher = Task.Run(async () =>
    {
        try
        {
            await foreach (var e in store.WatchAsync("/registry/", 0, watchStop.Token))
            {
                Interlocked.Exchange(ref watched, e.Revision);
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    // Warm up the JIT and the file.
    for (var i = 0; i < 2000; i++)
    {
        await store.CreateAsync($"/registry/warmup/{i}", value);
    }

    var sequential = (int)(20_000 * scale);
    await Measure("create, 1 client", sequential, 1, i => store.CreateAsync($"/registry/seq/{i:D8}", value).AsTask());

    var concurrent = (int)(64_000 * scale);
    var batchesBefore = store.Writer.CommittedBatches;
    var writesBefore = store.Writer.CommittedWrites;
    await Measure("create, 64 clients", concurrent, 64, i => store.CreateAsync($"/registry/conc/{i:D8}", value).AsTask());
    var batches = store.Writer.CommittedBatches - batchesBefore;
    Console.WriteLine($"  group commit: {(store.Writer.CommittedWrites - writesBefore) / (double)batches:F1} writes per transaction on average");

    var revisions = new long[sequential];
    for (var i = 0; i < sequential; i++)
    {
        revisions[i] = (await store.GetAsync($"/registry/seq/{i:D8}"))!.ModRevision;
    }

    await Measure("update, 1 client", sequential, 1, async i => revisions[i] = (await store.UpdateAsync($"/registry/seq/{i:D8}", value, revisions[i])).Revision);
    await Measure("update, 64 clients", sequential, 64, async i => revisions[i] = (await store.UpdateAsync($"/registry/seq/{i:D8}", value, revisions[i])).Revision);
    await Measure("get, 1 client", sequential, 1, i => store.GetAsync($"/registry/seq/{i:D8}").AsTask());
    await Measure("get, 64 clients", sequential * 4, 64, i => store.GetAsync($"/registry/seq/{i % sequential:D8}").AsTask());

    var current = await store.GetCurrentRevisionAsync();
    await Measure($"list {sequential} keys at current revision (pages of 500)", 5, 1, _ => ListAllAsync(store, "/registry/seq/", 0));
    await Measure($"list {sequential} keys at an older revision (pages of 500)", 5, 1, _ => ListAllAsync(store, "/registry/seq/", current - 1));
    await Measure("count keys", 100, 1, _ => store.CountAsync("/registry/conc/").AsTask());

    while (Interlocked.Read(ref watched) < current)
    {
        await Task.Delay(10);
    }

    await Measure("replay 20,000 events from history", 1, 1, async _ =>
    {
        var n = 0;
        await foreach (var e in store.WatchAsync("/registry/", current - 20_000))
        {
            if (++n == 20_000)
            {
                break;
            }
        }
    });

    var history = store.CountHistoryRows();
    var stopwatch = Stopwatch.StartNew();
    await store.CompactAsync(current - 1000);
    Console.WriteLine($"compaction keeping 1000 revisions: {history - store.CountHistoryRows()} of {history} history rows deleted in {stopwatch.Elapsed.TotalMilliseconds:F0} ms");

    await watchStop.CancelAsync();
    await watcher;
}
finally
{
    if (args.Length == 0)
    {
        Directory.Delete(folder, recursive: true);
    }
}

static async Task ListAllAsync(IStore store, string prefix, long revision)
{
    string? after = null;
    while (true)
    {
        var page = await store.RangeAsync(prefix, revision, after, 500);
        if (!page.More)
        {
            return;
        }

        revision = page.Revision;
        after = page.Items[^1].Key;
    }
}

static async Task Measure(string name, int operations, int clients, Func<int, Task> operation)
{
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    var next = -1;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < operations)
        {
            await operation(i);
        }
    })));

    stopwatch.Stop();
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpuBefore;
    var seconds = stopwatch.Elapsed.TotalSeconds;
    Console.WriteLine(operations >= 100
        ? $"{name}: {operations / seconds,10:N0} ops/s   {stopwatch.Elapsed.TotalMilliseconds * 1000 / operations * clients,7:F1} us latency   {cpu.TotalMilliseconds * 1000 / operations,7:F1} us CPU/op"
        : $"{name}: {stopwatch.Elapsed.TotalMilliseconds / operations,8:F1} ms each   {cpu.TotalMilliseconds / operations,7:F1} ms CPU each");
}

static void PrintMachine(string folder)
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    Console.WriteLine($"machine: {cpu ?? "unknown CPU"}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    Console.WriteLine($"database folder: {folder}");
}
