// Node agent benchmark: pod start-up latency (create -> Running as seen by a watch, image present) for 1, 10 and 100
// pods on one node, p50/p99, and the resident memory of the skiff process (API server + controllers + scheduler +
// node agent in one process) and of its containerd, idle and with 100 pods. Runs a real `skiff server` with its
// agent inside a network namespace it creates (root needed), so the pod network never touches the machine's.
//   sudo dotnet run -c Release --project bench/Skiff.Bench.Kubelet [-- --counts 1,10,100]
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Skiff.Bench.ApiServer;

var counts = args.SkipWhile(a => a != "--counts").Skip(1).FirstOrDefault()?.Split(',').Select(int.Parse).ToArray() ?? [1, 10, 100];
var skiff = SkiffServerProcess.DefaultSkiffPath();
var repo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(skiff)!, "..", "..", "..", "..", ".."));

// The outer process makes the namespace and runs itself inside it (all of this process's sockets then live there).
if (Environment.GetEnvironmentVariable("SKIFF_BENCH_INNER") is not { Length: > 0 } inner)
{
    var nsId = Guid.NewGuid().ToString("N")[..8];
    var nsName = "skb" + nsId;
    await Run("ip", "netns", "add", nsName);
    await Run("ip", "-n", nsName, "link", "set", "lo", "up");
    try
    {
        var self = new ProcessStartInfo("nsenter") { UseShellExecute = false };
        foreach (var a in new[] { "--net=/run/netns/" + nsName, Environment.ProcessPath!, typeof(Machine).Assembly.Location }.Concat(args))
        {
            self.ArgumentList.Add(a);
        }

        self.Environment["SKIFF_BENCH_INNER"] = nsId;
        using var child = Process.Start(self)!;
        await child.WaitForExitAsync();
        return child.ExitCode;
    }
    finally
    {
        await Run("ip", "netns", "del", nsName).ContinueWith(_ => { });
    }
}

var data = Path.Combine("/tmp", "skbench-" + inner);
Directory.CreateDirectory(data);
Console.WriteLine($"machine: {Machine.Current()}");
Process? server = null;
try
{
    var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[] { skiff, "server", "--data-dir", data, "--https-listen-port", "6443", "--kubelet-port", "10250", "--node-ip", "127.0.0.1" })
    {
        psi.ArgumentList.Add(a);
    }

    var ready = new TaskCompletionSource();
    server = Process.Start(psi)!;
    server.OutputDataReceived += (_, e) => { if (e.Data?.Contains("containerd is ready", StringComparison.Ordinal) == true) ready.TrySetResult(); };
    server.ErrorDataReceived += (_, _) => { };
    server.BeginOutputReadLine();
    server.BeginErrorReadLine();
    await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
    var image = Path.Combine(data, "busybox.tar");
    await Run(Path.Combine(repo, "scripts", "build-test-image.sh"), image, "skiff.local/busybox:test");
    await Run("dotnet", skiff, "images", "import", "--data-dir", data, image);

    var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(data, "kubeconfig.yaml")));
    var skiffPid = server.Id;
    await Task.Delay(TimeSpan.FromSeconds(10));
    Console.WriteLine($"idle: skiff RSS {Rss(skiffPid)} MiB, containerd RSS {Rss(ChildPid(skiffPid, "containerd") ?? 0)} MiB");

    foreach (var n in counts)
    {
        var nsName = "bench-" + n;
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = nsName } });
        var created = new Dictionary<string, DateTime>();
        var running = new Dictionary<string, DateTime>();
        var allRunning = new TaskCompletionSource();
        using var watchCts = new CancellationTokenSource();
        var watchResponse = client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(nsName, watch: true, cancellationToken: watchCts.Token);
        var watching = Task.Run(async () =>
        {
#pragma warning disable CS0618 // the replacement API is not in this client version's typed clients
            await foreach (var (_, pod) in watchResponse.WatchAsync<V1Pod, V1PodList>(cancellationToken: watchCts.Token))
#pragma warning restore CS0618
            {
                if (pod.Status?.Phase == "Running")
                {
                    lock (running)
                    {
                        running.TryAdd(pod.Metadata.Name, DateTime.UtcNow);
                        if (running.Count == n)
                        {
                            allRunning.TrySetResult();
                        }
                    }
                }
            }
        });
        await Task.Delay(500);
        var start = DateTime.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var name = $"p{i}";
            lock (created)
            {
                created[name] = DateTime.UtcNow;
            }

            await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec { TerminationGracePeriodSeconds = 1, Containers = [new V1Container { Name = "c", Image = "skiff.local/busybox:test", ImagePullPolicy = "IfNotPresent", Command = ["sleep", "3600"] }] },
            }, nsName, cancellationToken: ct);
        });
        await allRunning.Task.WaitAsync(TimeSpan.FromMinutes(10));
        var total = DateTime.UtcNow - start;
        var latencies = running.Select(kv => (kv.Value - created[kv.Key]).TotalMilliseconds).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n,4} pods: create -> Running p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, all Running after {total.TotalSeconds:F1} s"));
        if (n == counts.Max())
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            Console.WriteLine($"with {n} pods: skiff RSS {Rss(skiffPid)} MiB, containerd RSS {Rss(ChildPid(skiffPid, "containerd") ?? 0)} MiB");
        }

        await watchCts.CancelAsync();
        await watching.ContinueWith(_ => { });
        await client.CoreV1.DeleteNamespaceAsync(nsName);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while ((await client.CoreV1.ListNamespacedPodAsync(nsName)).Items.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
        }
    }
}
finally
{
    if (server is { HasExited: false })
    {
        using (var kill = Process.Start("kill", $"-TERM {server.Id}"))
        {
            await kill.WaitForExitAsync();
        }

        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => { });
    }

    // The agent's pod cgroups (cgroupfs, one root per data directory): empty once the pods are gone.
    var cgroupRoot = "skiff-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(data))))[..8];
    foreach (var controller in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
    {
        var root = Path.Combine(controller, cgroupRoot);
        if (Directory.Exists(root))
        {
            foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(root))
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    try
    {
        Directory.Delete(data, true);
    }
    catch (Exception)
    {
    }
}

return 0;

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static long Rss(int pid)
{
    if (pid == 0)
    {
        return 0;
    }

    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

static int? ChildPid(int parent, string name)
{
    foreach (var dir in Directory.GetDirectories("/proc"))
    {
        if (int.TryParse(Path.GetFileName(dir), out var pid))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (ppid == parent && File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(name, StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception)
            {
            }
        }
    }

    return null;
}

static async Task Run(params string[] command)
{
    var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in command.Skip(1))
    {
        psi.ArgumentList.Add(a);
    }

    using var p = Process.Start(psi)!;
    var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException($"{string.Join(' ', command)}: {output}");
    }
}

