using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Skiff.Bench.ApiServer;

namespace Skiff.Bench.Controllers;

/// <summary>
/// Issue 4's controller benchmark: against a real <c>skiff server</c> (controller manager in the same process),
/// create N Deployments of R replicas at once and measure the time until all N×R pods exist, with the server's
/// CPU time and resident memory. Pods are counted from a watch opened before the first create.
/// </summary>
internal static class DeploymentBurst
{
    private const string Namespace = "bench";

    public static async Task<int> MainAsync(string[] args)
    {
        var deployments = IntArg(args, "--deployments", 1000);
        var replicas = IntArg(args, "--replicas", 10);
        var clients = IntArg(args, "--clients", 32);
        var skiff = StringArg(args, "--skiff") ?? SkiffServerProcess.DefaultSkiffPath();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(15));

        Console.WriteLine($"machine: {Machine.Current()}");
        await using var server = await SkiffServerProcess.StartAsync(skiff, [], keep: args.Contains("--keep"), withControllers: true, withScheduler: false, cts.Token);
        Console.WriteLine($"server: {server.Command} (pid {server.Pid})");
        var connection = ClusterConnection.FromKubeconfig(server.KubeconfigPath);
        using var http = connection.CreateClient();

        await SendAsync(http, HttpMethod.Post, "api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{Namespace}}}"}}""", cts.Token);

        // Let the controller manager win its lease and sync its caches before the clock starts.
        await WaitForLeaseAsync(http, cts.Token);
        var idleRss = ProcessStats.RssMiB(server.Pid);
        var cpuBefore = ProcessStats.CpuTime(server.Pid);

        var expected = deployments * replicas;
        var pods = new HashSet<string>(StringComparer.Ordinal);
        var allPods = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rv = await ListResourceVersionAsync(http, $"api/v1/namespaces/{Namespace}/pods", cts.Token);
        using var watchClient = connection.CreateClient();
        watchClient.Timeout = Timeout.InfiniteTimeSpan;
        var watch = Task.Run(() => WatchPodsAsync(watchClient, rv, pods, expected, allPods, cts.Token));

        var clock = Stopwatch.StartNew();
        var next = -1;
        var creators = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < deployments)
            {
                await SendAsync(http, HttpMethod.Post, $"apis/apps/v1/namespaces/{Namespace}/deployments", DeploymentJson("d" + i.ToString("D4", CultureInfo.InvariantCulture), replicas), cts.Token);
            }
        })).ToList();
        await Task.WhenAll(creators);
        var created = clock.Elapsed;

        var peakSampler = Task.Run(async () =>
        {
            double peak = 0;
            while (!allPods.Task.IsCompleted)
            {
                peak = Math.Max(peak, ProcessStats.RssMiB(server.Pid) ?? 0);
                await Task.Delay(250);
            }

            return peak;
        });
        await allPods.Task.WaitAsync(cts.Token);
        var podsTime = clock.Elapsed;
        var cpu = ProcessStats.CpuTime(server.Pid) - cpuBefore;
        var rss = ProcessStats.RssMiB(server.Pid);
        var peak = Math.Max(await peakSampler, rss ?? 0);

        // The deployments' status catching up (replicas counted) is a second, later figure.
        var statusTime = await WaitForDeploymentStatusAsync(http, expected, clock, cts.Token);
        var cpuTotal = ProcessStats.CpuTime(server.Pid) - cpuBefore;

        Console.WriteLine();
        Console.WriteLine($"{deployments} Deployments x {replicas} replicas = {expected} pods, created by {clients} concurrent clients");
        Row("all Deployments created (API)", $"{created.TotalSeconds:F1} s");
        Row($"all {expected} pods exist", $"{podsTime.TotalSeconds:F1} s  ({expected / podsTime.TotalSeconds:F0} pods/s)");
        Row($"all Deployments report {replicas} replicas", $"{statusTime.TotalSeconds:F1} s");
        Row("server CPU until all pods exist", $"{cpu?.TotalSeconds:F1} s  ({cpu?.TotalSeconds / podsTime.TotalSeconds:F2} cores on average)");
        Row("server CPU until statuses settle", $"{cpuTotal?.TotalSeconds:F1} s");
        Row("server RSS idle / after / peak", $"{idleRss:F0} / {rss:F0} / {peak:F0} MiB (VmHWM {ProcessStats.PeakRssMiB(server.Pid):F0} MiB)");
        Row("machine load average (1 min) at the end", $"{ProcessStats.LoadAverage():F2} on {Environment.ProcessorCount} cores (other processes share them)");
        Console.WriteLine("  (API server, store and controller manager share the one process: CPU and RSS are all three's.)");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            deployments,
            replicas,
            createdSeconds = created.TotalSeconds,
            podsSeconds = podsTime.TotalSeconds,
            statusSeconds = statusTime.TotalSeconds,
            cpuSeconds = cpu?.TotalSeconds,
            cpuTotalSeconds = cpuTotal?.TotalSeconds,
            idleRssMiB = idleRss,
            rssMiB = rss,
            peakRssMiB = peak,
        }));
        await watch.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    private static void Row(string what, string figure) => Console.WriteLine($"  {what,-40} {figure}");

    private static string DeploymentJson(string name, int replicas) => JsonSerializer.Serialize(new
    {
        apiVersion = "apps/v1",
        kind = "Deployment",
        metadata = new { name },
        spec = new
        {
            replicas,
            selector = new { matchLabels = new { app = name } },
            template = new
            {
                metadata = new { labels = new { app = name } },
                spec = new { containers = new[] { new { name = "c", image = "nginx:1" } } },
            },
        },
    });

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode || (int)response.StatusCode == 409)
            {
                return;
            }

            if ((int)response.StatusCode is 429 or >= 500 && attempt < 5)
            {
                await Task.Delay(200 * (attempt + 1), cancellationToken);
                continue;
            }

            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private static async Task WaitForLeaseAsync(HttpClient http, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await http.GetAsync("apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                // The ServiceAccount controller has acted once the namespace has its default account: caches are synced.
                using var sa = await http.GetAsync($"api/v1/namespaces/{Namespace}/serviceaccounts/default", cancellationToken);
                if (sa.IsSuccessStatusCode)
                {
                    return;
                }
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<string> ListResourceVersionAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(path + "?limit=1", cancellationToken));
        return doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
    }

    private static async Task WatchPodsAsync(HttpClient http, string resourceVersion, HashSet<string> pods, int expected, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        var rv = resourceVersion;
        while (!done.Task.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            using var response = await http.GetAsync($"api/v1/namespaces/{Namespace}/pods?watch=1&allowWatchBookmarks=true&resourceVersion={rv}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                using var doc = JsonDocument.Parse(line);
                var type = doc.RootElement.GetProperty("type").GetString();
                var meta = doc.RootElement.GetProperty("object").GetProperty("metadata");
                rv = meta.GetProperty("resourceVersion").GetString()!;
                if (type == "ADDED")
                {
                    pods.Add(meta.GetProperty("name").GetString()!);
                    if (pods.Count >= expected)
                    {
                        done.TrySetResult();
                        return;
                    }
                }
            }
        }
    }

    private static async Task<TimeSpan> WaitForDeploymentStatusAsync(HttpClient http, int expected, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (true)
        {
            var replicas = 0;
            string? cont = null;
            do
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync($"apis/apps/v1/namespaces/{Namespace}/deployments?limit=500" + (cont is null ? "" : "&continue=" + Uri.EscapeDataString(cont)), cancellationToken));
                foreach (var d in doc.RootElement.GetProperty("items").EnumerateArray())
                {
                    if (d.TryGetProperty("status", out var status) && status.TryGetProperty("replicas", out var r))
                    {
                        replicas += r.GetInt32();
                    }
                }

                cont = doc.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) ? c.GetString() : null;
            }
            while (!string.IsNullOrEmpty(cont));

            if (replicas >= expected)
            {
                return clock.Elapsed;
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        StringArg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
