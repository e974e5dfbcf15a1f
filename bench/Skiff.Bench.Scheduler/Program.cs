using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s;
using Skiff.Bench.ApiServer;
using Skiff.Bench.Scheduler;

// Scheduler throughput in the shape of kube-scheduler's scheduler_perf: N Node objects (no node agents),
// then M pods created as fast as the API server takes them; the figure is pods bound per second end to
// end (first pod create to last binding seen on a watch), with the scheduler running inside `skiff server`.
var nodes = 500;
var pods = 5000;
var workload = Workload.Basic;
var clients = 32;
var inProcess = false;
var keep = false;
var withControllers = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--nodes": nodes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--pods": pods = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--clients": clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--workload": workload = Enum.Parse<Workload>(args[++i], ignoreCase: true); break;
        case "--in-process": inProcess = true; break;
        case "--keep": keep = true; break;
        case "--with-controllers": withControllers = true; break;
        default:
            Console.Error.WriteLine("usage: Skiff.Bench.Scheduler [--nodes N] [--pods M] [--workload basic|antiaffinity|spread] [--clients C] [--in-process] [--keep] [--with-controllers]");
            return 2;
    }
}

Console.WriteLine($"machine: {Machine.Current()}");
Console.WriteLine($"workload: {workload}, {nodes} nodes, {pods} pods, {clients} creating clients");
if (inProcess)
{
    await AlgorithmBench.RunAsync(nodes, pods, workload);
    return 0;
}

await using var server = await SkiffServerProcess.StartAsync(SkiffServerProcess.DefaultSkiffPath(), [], keep, withControllers, withScheduler: true, CancellationToken.None);
if (keep)
{
    Console.WriteLine($"server log: {server.LogPath}");
}

var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath);
using var kube = new Kubernetes(config);
var http = kube.HttpClient;
http.Timeout = Timeout.InfiniteTimeSpan;
var baseUrl = kube.BaseUri.ToString().TrimEnd('/');

async Task PostAsync(string path, string json)
{
    using var content = new StringContent(json, Encoding.UTF8);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    using var response = await http.PostAsync(baseUrl + path, content);
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

async Task ParallelAsync(int count, Func<int, Task> action)
{
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            await action(i);
        }
    }));
}

await PostAsync("/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}}""");
var sw = Stopwatch.StartNew();
await ParallelAsync(nodes, i => PostAsync("/api/v1/nodes",
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-" + i + "\",\"labels\":{\"kubernetes.io/hostname\":\"node-" + i
    + "\",\"topology.kubernetes.io/zone\":\"zone-" + (i % 10) + "\"}},\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"32Gi\",\"pods\":\"110\"},"
    + "\"allocatable\":{\"cpu\":\"4\",\"memory\":\"32Gi\",\"pods\":\"110\"}}}"));
Console.WriteLine($"created {nodes} nodes in {sw.Elapsed.TotalSeconds:F1} s");

// Watch bindings from now on; each pod counts once, when its spec.nodeName first appears.
var bound = new HashSet<string>(StringComparer.Ordinal);
var allBound = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
var clock = new Stopwatch();
using var stopWatch = new CancellationTokenSource();
var watchReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var watcher = Task.Run(async () =>
{
    using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + "/api/v1/namespaces/bench/pods?watch=true&allowWatchBookmarks=false");
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stopWatch.Token);
    watchReady.SetResult();
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stopWatch.Token));
    while (await reader.ReadLineAsync(stopWatch.Token) is { } line)
    {
        using var doc = JsonDocument.Parse(line);
        var obj = doc.RootElement.GetProperty("object");
        if (obj.TryGetProperty("spec", out var spec) && spec.TryGetProperty("nodeName", out var node) && node.GetString() is { Length: > 0 }
            && bound.Add(obj.GetProperty("metadata").GetProperty("name").GetString()!) && bound.Count == pods)
        {
            allBound.TrySetResult(clock.Elapsed);
        }
    }
});
await watchReady.Task;

string PodJson(int i)
{
    var constraints = workload switch
    {
        Workload.AntiAffinity => ""","affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"bench"}},"topologyKey":"kubernetes.io/hostname"}]}}""",
        Workload.Spread => ""","topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"bench"}}}]""",
        _ => "",
    };
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-" + i + "\",\"labels\":{\"app\":\"bench\"}},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/pause:3.10\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"500Mi\"}}}]"
        + constraints + "}}";
}

clock.Start();
await ParallelAsync(pods, i => PostAsync("/api/v1/namespaces/bench/pods", PodJson(i)));
var created = clock.Elapsed;
var done = await Task.WhenAny(allBound.Task, Task.Delay(TimeSpan.FromMinutes(10)));
var elapsed = done == allBound.Task ? allBound.Task.Result : clock.Elapsed;
stopWatch.Cancel();
await watcher.ContinueWith(_ => { }, TaskScheduler.Default);

Console.WriteLine($"created {pods} pods in {created.TotalSeconds:F1} s ({pods / created.TotalSeconds:F0} creates/s)");
Console.WriteLine($"bound {bound.Count}/{pods} pods in {elapsed.TotalSeconds:F1} s: {bound.Count / elapsed.TotalSeconds:F0} pods/s end to end");
Console.WriteLine(JsonSerializer.Serialize(new { workload = workload.ToString(), nodes, pods, bound = bound.Count, seconds = Math.Round(elapsed.TotalSeconds, 2), podsPerSecond = Math.Round(bound.Count / elapsed.TotalSeconds), createsPerSecond = Math.Round(pods / created.TotalSeconds) }));
return bound.Count == pods ? 0 : 1;
