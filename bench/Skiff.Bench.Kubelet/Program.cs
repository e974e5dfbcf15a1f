// Node agent benchmark: pod start-up latency (create -> Running as seen by a watch, image present) for 1, 10 and 100
// pods on one node, p50/p99, and the resident memory of the skiff process (API server + controllers + scheduler +
// node agent in one process) and of its containerd, idle and with 100 pods, and the CPU time each pod start costs
// (skiff, containerd, shims, runc, CNI plugins and the pods themselves, from cgroup v1 cpuacct groups). Runs a real `skiff server` with its
// agent inside a network namespace it creates (root needed), so the pod network never touches the machine's.
//   sudo dotnet run -c Release --project bench/Skiff.Bench.Kubelet [-- --counts 1,10,100]
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Skiff.Bench.ApiServer;
using Skiff.Bench.Kubelet;

var counts = args.SkipWhile(a => a != "--counts").Skip(1).FirstOrDefault()?.Split(',').Select(int.Parse).ToArray() ?? [1, 10, 100];

// --server-log FILE keeps the server's output (it is dropped by default).
var serverLogPath = args.SkipWhile(a => a != "--server-log").Skip(1).FirstOrDefault();
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

// skiff starts in a cpuacct group of its own, so its containerd, the shims and every plugin they run are counted with it.
var account = CpuAccount.Available ? CpuAccount.Create("skbench-" + inner) : null;

// The agent's pod cgroups (cgroupfs, one root per data directory).
var cgroupRoot = "skiff-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(data))))[..8];
var podsAccount = new CpuAccount(Path.Combine(CpuAccount.Root, cgroupRoot));
try
{
    var psi = new ProcessStartInfo(account is null ? "dotnet" : "sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    if (account is not null)
    {
        foreach (var a in new[] { "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", account.Directory, "dotnet" })
        {
            psi.ArgumentList.Add(a);
        }
    }

    foreach (var a in new[] { skiff, "server", "--data-dir", data, "--https-listen-port", "6443", "--kubelet-port", "10250", "--node-ip", "127.0.0.1" })
    {
        psi.ArgumentList.Add(a);
    }

    var ready = new TaskCompletionSource();
    server = Process.Start(psi)!;
    var serverLog = serverLogPath is null ? null : TextWriter.Synchronized(new StreamWriter(serverLogPath) { AutoFlush = true });
    server.OutputDataReceived += (_, e) =>
    {
        serverLog?.WriteLine(e.Data);
        if (e.Data?.Contains("containerd is ready", StringComparison.Ordinal) == true)
        {
            ready.TrySetResult();
        }
    };
    server.ErrorDataReceived += (_, e) => serverLog?.WriteLine(e.Data);
    server.BeginOutputReadLine();
    server.BeginErrorReadLine();
    await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
    var image = Path.Combine(data, "busybox.tar");
    await Run(Path.Combine(repo, "scripts", "build-test-image.sh"), image, "skiff.local/busybox:test");
    await Run("dotnet", skiff, "images", "import", "--data-dir", data, image);

    var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(data, "kubeconfig.yaml")));
    var skiffPid = server.Id;
    await Task.Delay(TimeSpan.FromSeconds(5));
    var emptyBefore = account?.Read() ?? default;
    var skiffEmptyBefore = ProcessCpu(skiffPid);
    await Task.Delay(TimeSpan.FromSeconds(10));
    var empty = (account?.Read() ?? default) - emptyBefore;
    var skiffEmpty = ProcessCpu(skiffPid) - skiffEmptyBefore;
    Console.WriteLine($"idle: skiff RSS {Rss(skiffPid)} MiB, containerd RSS {Rss(ChildPid(skiffPid, "containerd") ?? 0)} MiB");
    if (account is not null)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      idle CPU with 0 pods: {empty.Total * 10:F1} % of a core ({skiffEmpty.Total * 10:F1} % skiff, {(empty - skiffEmpty).Total * 10:F1} % containerd)"));
    }

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
        var cpuBefore = account?.Read() ?? default;
        var podsBefore = podsAccount.Read();
        var skiffBefore = ProcessCpu(skiffPid);
        var machineBefore = ProcessStats.MachineBusyTime() ?? TimeSpan.Zero;
        var loadBefore = ProcessStats.LoadAverage();
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
        var cpu = (account?.Read() ?? default) - cpuBefore;
        var pods = podsAccount.Read() - podsBefore;
        var skiffCpu = ProcessCpu(skiffPid) - skiffBefore;
        var machine = (ProcessStats.MachineBusyTime() ?? TimeSpan.Zero) - machineBefore;
        var latencies = running.Select(kv => (kv.Value - created[kv.Key]).TotalMilliseconds).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n,4} pods: create -> Running p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, all Running after {total.TotalSeconds:F1} s (load average before {loadBefore:F1})"));
        if (account is not null)
        {
            var runtime = cpu - skiffCpu;
            var ours = cpu.Total + pods.Total;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      CPU per pod {ours * 1000 / n:F0} ms: skiff {skiffCpu.Total * 1000 / n:F0} ms (user {skiffCpu.User * 1000 / n:F0}, sys {skiffCpu.System * 1000 / n:F0}); " +
                $"containerd+shims+runc+CNI+nft {runtime.Total * 1000 / n:F0} ms (user {runtime.User * 1000 / n:F0}, sys {runtime.System * 1000 / n:F0}); pods' cgroups {pods.Total * 1000 / n:F0} ms; " +
                $"other processes {Math.Max(0, machine.TotalSeconds - ours) / total.TotalSeconds:F2} cores busy"));
        }

        if (n == counts.Max())
        {
            // Settle, then the steady cost of keeping the pods (relists, pod resyncs, status and lease loops, stats): CPU
            // over 20 s (two of the pod workers' 10 s resyncs).
            await Task.Delay(TimeSpan.FromSeconds(10));
            var idleBefore = (account?.Read() ?? default) + podsAccount.Read();
            var skiffIdleBefore = ProcessCpu(skiffPid);
            await Task.Delay(TimeSpan.FromSeconds(20));
            var idle = (account?.Read() ?? default) + podsAccount.Read() - idleBefore;
            var skiffIdle = ProcessCpu(skiffPid) - skiffIdleBefore;
            Console.WriteLine($"with {n} pods: skiff RSS {Rss(skiffPid)} MiB, containerd RSS {Rss(ChildPid(skiffPid, "containerd") ?? 0)} MiB");
            if (account is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"      idle CPU with {n} pods: {idle.Total * 5:F1} % of a core ({skiffIdle.Total * 5:F1} % skiff, {(idle - skiffIdle).Total * 5:F1} % containerd, shims and pods)"));
            }
        }

        await watchCts.CancelAsync();
        await watching.ContinueWith(_ => { });
        await client.CoreV1.DeleteNamespaceAsync(nsName);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while ((await client.CoreV1.ListNamespacedPodAsync(nsName)).Items.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
        }

        // A pod in a terminal phase is removed from the API at once by a second delete (the namespace controller
        // retries), possibly before the agent has torn down its volumes: wait for that too, or the next count (and the
        // machine, once the server is stopped) starts with the old pods' tmpfs mounts, which every later runc pays for.
        var podsData = Path.Combine(data, "agent", "pod-data");
        while (Directory.Exists(podsData) && Directory.EnumerateDirectories(podsData).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
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

    // The agent's pod cgroups: empty once the pods are gone.
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

    account?.Delete();

    // Whatever the agent left mounted under the data directory (a failed or interrupted run) is unmounted, deepest first.
    foreach (var mountPoint in File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 4).Select(f => f[4])
        .Where(m => m.StartsWith(data + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length).ToList())
    {
        await Run("umount", "-l", mountPoint).ContinueWith(_ => { });
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

// User and system CPU of one process (its own threads, and children it has waited for).
static CpuSample ProcessCpu(int pid)
{
    try
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return new CpuSample(long.Parse(f[11], CultureInfo.InvariantCulture) / 100.0, long.Parse(f[12], CultureInfo.InvariantCulture) / 100.0);
    }
    catch (IOException)
    {
        return default;
    }
}

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

