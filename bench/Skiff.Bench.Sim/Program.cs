// skiff sim benchmark: a `skiff server` (API server, controllers, scheduler; no agent) and `skiff sim --nodes N` in
// two processes; Deployments totalling P pods are created at once and the benchmark reports the time until every
// pod is Running and Ready (the Deployments' readyReplicas add up to P, then checked by listing the pods), the
// resident memory of both processes (idle with N nodes, peak, and at the end, per node for the sim) and the load
// average. No containers, no network: safe to run anywhere, no root needed.
//   dotnet run -c Release --project bench/Skiff.Bench.Sim [-- --nodes 1000 --pods 30000 --per-deployment 100 --start-delay 0s]
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Skiff.Bench.ApiServer;

var nodes = Arg("--nodes", 1000);
var total = Arg("--pods", 30000);
var perDeployment = Arg("--per-deployment", 100);
var startDelay = args.SkipWhile(a => a != "--start-delay").Skip(1).FirstOrDefault() ?? "0s";
var timeout = TimeSpan.FromMinutes(Arg("--timeout-minutes", 60));
var skiff = SkiffServerProcess.DefaultSkiffPath();

Console.WriteLine($"machine: {Machine.Current()}; load average {ProcessStats.LoadAverage():F2} at start");
Console.WriteLine($"workload: {nodes} simulated nodes, {total} pods in Deployments of {perDeployment}, container start delay {startDelay}");
await using var server = await SkiffServerProcess.StartAsync(skiff, [], keep: false, withControllers: true, withScheduler: true, CancellationToken.None);
var simData = Path.Combine(Path.GetDirectoryName(server.DataDirectory)!, "sim");
var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
foreach (var a in new[] { skiff, "sim", "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--server-data-dir", server.DataDirectory, "--data-dir", simData, "--start-delay", startDelay })
{
    psi.ArgumentList.Add(a);
}

var simReady = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
var registering = Stopwatch.StartNew();
using var sim = Process.Start(psi)!;
var simLog = new List<string>();
var simLogFile = new StreamWriter(Path.Combine(Path.GetDirectoryName(server.DataDirectory)!, "sim.log")) { AutoFlush = true };
sim.OutputDataReceived += (_, e) => OnSimLine(e.Data);
sim.ErrorDataReceived += (_, e) => OnSimLine(e.Data);
sim.BeginOutputReadLine();
sim.BeginErrorReadLine();
try
{
    var ready = await simReady.Task.WaitAsync(TimeSpan.FromMinutes(20));
    Console.WriteLine($"sim: {nodes} nodes registered after {registering.Elapsed.TotalSeconds:F1} s ({ready[(ready.IndexOf("ready:", StringComparison.Ordinal) + 7)..]})");

    var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
    await WaitAsync(async () =>
    {
        var list = await client.CoreV1.ListNodeAsync();
        return list.Items.Count(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true) >= nodes;
    }, TimeSpan.FromMinutes(10), "every node Ready");
    await Task.Delay(TimeSpan.FromSeconds(10));
    Console.WriteLine($"idle with {nodes} Ready nodes: server RSS {ProcessStats.RssMiB(server.Pid):F0} MiB, sim RSS {ProcessStats.RssMiB(sim.Id):F0} MiB ({ProcessStats.RssMiB(sim.Id) * 1024 / nodes:F0} KiB per node)");

    await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench" } });
    var deployments = (total + perDeployment - 1) / perDeployment;
    var peakServer = 0.0;
    var peakSim = 0.0;
    var started = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, deployments), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    {
        var replicas = Math.Min(perDeployment, total - (i * perDeployment));
        var labels = new Dictionary<string, string> { ["app"] = $"d{i}" };
        await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = $"d{i}" },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        TerminationGracePeriodSeconds = 1,
                        Containers = [new V1Container { Name = "app", Image = "registry.example/app:1", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") } } }],
                    },
                },
            },
        }, "bench", cancellationToken: ct);
    });
    Console.WriteLine($"created {deployments} Deployments in {started.Elapsed.TotalSeconds:F1} s");

    var lastPrint = TimeSpan.Zero;
    await WaitAsync(async () =>
    {
        if (sim.HasExited)
        {
            throw new InvalidOperationException($"skiff sim exited with code {sim.ExitCode}");
        }

        peakServer = Math.Max(peakServer, ProcessStats.RssMiB(server.Pid) ?? 0);
        peakSim = Math.Max(peakSim, ProcessStats.RssMiB(sim.Id) ?? 0);
        var list = await client.AppsV1.ListNamespacedDeploymentAsync("bench");
        var ready = list.Items.Sum(d => d.Status?.ReadyReplicas ?? 0);
        if (started.Elapsed - lastPrint > TimeSpan.FromSeconds(30))
        {
            lastPrint = started.Elapsed;
            Console.WriteLine($"  {started.Elapsed.TotalSeconds,6:F0} s: {ready} ready; server RSS {ProcessStats.RssMiB(server.Pid):F0} MiB, sim RSS {ProcessStats.RssMiB(sim.Id):F0} MiB, load {ProcessStats.LoadAverage():F2}");
        }

        return ready >= total;
    }, timeout, $"{total} pods ready");
    var allReady = started.Elapsed;

    // Confirm with the pods themselves, one Deployment's pods at a time.
    var running = 0;
    var onSim = 0;
    for (var i = 0; i < deployments; i++)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync("bench", labelSelector: $"app=d{i}");
        running += pods.Items.Count(p => p.Status?.Phase == "Running");
        onSim += pods.Items.Count(p => p.Spec.NodeName?.StartsWith("sim-", StringComparison.Ordinal) == true);
    }

    Console.WriteLine($"{total} pods on {nodes} nodes: all Running and Ready {allReady.TotalSeconds:F1} s after the first create ({total / allReady.TotalSeconds:F0} pods/s); listed: {running} Running, {onSim} on sim nodes");
    Console.WriteLine($"RSS at the end: server {ProcessStats.RssMiB(server.Pid):F0} MiB (peak sampled {peakServer:F0}, VmHWM {ProcessStats.PeakRssMiB(server.Pid):F0}), sim {ProcessStats.RssMiB(sim.Id):F0} MiB (peak sampled {peakSim:F0}, VmHWM {ProcessStats.PeakRssMiB(sim.Id):F0}; {ProcessStats.RssMiB(sim.Id) * 1024 / nodes:F0} KiB per node)");
    Console.WriteLine($"load average at the end {ProcessStats.LoadAverage():F2}");
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine("benchmark failed: " + ex.Message);
    lock (simLog)
    {
        Console.Error.WriteLine(string.Join('\n', simLog.TakeLast(30)));
    }

    Console.Error.WriteLine(server.Tail());
    return 1;
}
finally
{
    if (!sim.HasExited)
    {
        using var term = Process.Start("kill", $"-TERM {sim.Id}");
        await term.WaitForExitAsync();
        if (!sim.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            sim.Kill();
        }
    }
}

void OnSimLine(string? line)
{
    if (line is null)
    {
        return;
    }

    lock (simLog)
    {
        simLog.Add(line);
        simLogFile.WriteLine(line);
    }

    if (line.Contains("Skiff sim is ready", StringComparison.Ordinal))
    {
        simReady.TrySetResult(line);
    }
}

int Arg(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

static async Task WaitAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
{
    var deadline = Stopwatch.StartNew();
    while (!await Try(done))
    {
        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"{what}: not reached within {timeout}");
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
    }
}

// An overloaded server answers 504 (watch cache behind the store), 429 or 503 with a retry hint: poll again.
static async Task<bool> Try(Func<Task<bool>> done)
{
    try
    {
        return await done();
    }
    catch (k8s.Autorest.HttpOperationException ex) when ((int)ex.Response.StatusCode is 429 or 503 or 504)
    {
        return false;
    }
}
