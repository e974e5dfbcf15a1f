using System.Diagnostics;
using System.Text;

namespace Skiff.E2E.Support;

/// <summary>
/// A real <c>skiff server</c> WITH its node agent (containerd, CNI, real containers), run inside a network namespace
/// this helper creates so its bridge, routes and ports never touch the machine's network, with its own data
/// directory (containerd root, state and socket, CNI state) and cgroup root. kubectl from <see cref="Kubectl"/>
/// runs in the same namespace. Dispose deletes the pods, stops the server by PID, kills what is left of its
/// containers (only processes in its own cgroups and shims on its own socket), unmounts, removes its cgroups and
/// the namespace. Needs root.
/// </summary>
public sealed class NodeServer : IAsyncDisposable
{
    /// <summary>The test image built by scripts/build-test-image.sh and imported at start.</summary>
    public const string TestImage = "skiff.local/busybox:test";

    private readonly StringBuilder _log = new();
    private Process? _process;

    private readonly string _nodeIp;
    private readonly string[] _extraArgs;

    private NodeServer(string netns, string dataDir, string nodeIp = "127.0.0.1", string[]? extraArgs = null)
    {
        Netns = netns;
        DataDir = dataDir;
        _nodeIp = nodeIp;
        _extraArgs = extraArgs ?? [];
        Kubectl = new Kubectl(Kubeconfig) { NetworkNamespace = netns };
    }

    public string Netns { get; }

    public string DataDir { get; }

    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig.yaml");

    public Kubectl Kubectl { get; }

    /// <summary>The node's name (the host name, lower-cased, as the agent registers it).</summary>
    public static string NodeName => System.Net.Dns.GetHostName().ToLowerInvariant();

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Whether this machine can run the node agent tests (root, containerd, runc, CNI plugins).</summary>
    public static bool Supported =>
        Environment.UserName == "root" && File.Exists("/usr/bin/containerd") && File.Exists("/usr/sbin/runc") && File.Exists("/usr/lib/cni/bridge") && File.Exists("/usr/bin/catatonit");

    /// <summary>
    /// Starts a server. <paramref name="prepareNetns"/> runs once the namespace exists and before the server starts
    /// (e.g. to give it the address passed as <paramref name="nodeIp"/>); <paramref name="extraArgs"/> go to
    /// <c>skiff server</c>.
    /// </summary>
    public static async Task<NodeServer> StartAsync(string nodeIp = "127.0.0.1", Func<string, Task>? prepareNetns = null, params string[] extraArgs)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var netns = "skt" + id;
        // Short path: containerd's socket path must stay under the unix socket limit.
        var dataDir = Path.Combine("/tmp", "skn-" + id);
        Directory.CreateDirectory(dataDir);
        await RunAsync("ip", "netns", "add", netns);
        await RunAsync("ip", "-n", netns, "link", "set", "lo", "up");
        var server = new NodeServer(netns, dataDir, nodeIp, extraArgs);
        try
        {
            if (prepareNetns is not null)
            {
                await prepareNetns(netns);
            }

            await server.StartProcessAsync();
            await server.WaitForLogAsync("containerd is ready", TimeSpan.FromSeconds(90));
            var image = Path.Combine(dataDir, "busybox.tar");
            await RunAsync(Path.Combine(RepoRoot(), "scripts", "build-test-image.sh"), image, TestImage);
            await RunAsync("dotnet", SkiffServer.SkiffDll, "images", "import", "--data-dir", dataDir, image);
            await server.WaitForNodeReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Stops the server (SIGTERM) and starts it again on the same data; containers keep running meanwhile.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        lock (_log)
        {
            _log.Clear();
        }

        await StartProcessAsync();
        await WaitForLogAsync("containerd is ready", TimeSpan.FromSeconds(90));
    }

    private async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--net=/run/netns/" + Netns, "dotnet", SkiffServer.SkiffDll, "server", "--data-dir", DataDir, "--https-listen-port", "6443", "--kubelet-port", "10250", "--node-ip", _nodeIp }.Concat(_extraArgs))
        {
            psi.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                _log.AppendLine(line);
            }

            if (line.Contains("Skiff is ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        p.OutputDataReceived += (_, e) => OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        p.Exited += (_, _) =>
        {
            // Exited can fire before the redirected output is drained; WaitForExit() waits for both streams' end.
            p.WaitForExit();
            ready.TrySetException(new InvalidOperationException("skiff server exited early:\n" + Log));
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
    }

    private async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process is { HasExited: true })
            {
                throw new TimeoutException($"'{text}' not logged within {timeout}:\n{Log}");
            }

            await Task.Delay(200);
        }
    }

    private async Task WaitForNodeReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var r = await Kubectl.RunAsync("get", "node", NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
            if (r.Stdout.Trim() == "True")
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("node not Ready: " + r.Stdout + r.Stderr + "\n" + Log);
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it returns true (generous deadline; the machine is shared).</summary>
    public async Task EventuallyAsync(Func<Task<bool>> probe, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}\n--- server log ---\n{Log}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>A jsonpath of a pod, or empty when it cannot be read.</summary>
    public async Task<string> PodFieldAsync(string pod, string jsonpath) =>
        (await Kubectl.RunAsync("get", "pod", pod, "-o", "jsonpath=" + jsonpath)).Stdout.Trim();

    /// <summary>Runs a command in the server's network namespace (e.g. wget a pod IP) and returns exit code and output.</summary>
    public Task<(int ExitCode, string Output)> InNetnsAsync(params string[] command) =>
        RunAsync(["nsenter", "--net=/run/netns/" + Netns, .. command], check: false);

    private async Task<int> StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        using (var kill = Process.Start("kill", $"-TERM {_process.Id}"))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                await Kubectl.RunAsync("delete", "pods", "--all", "-A", "--grace-period=1", "--timeout=60s");
            }
        }
        catch (Exception)
        {
        }

        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
        }

        _process?.Dispose();
        await CleanUpHostAsync(DataDir, Netns);
    }

    /// <summary>Kills leftovers of the node agent of <paramref name="dataDir"/> only: processes in its cgroups, shims on its socket; then mounts, cgroups, netns, files.</summary>
    internal static async Task CleanUpHostAsync(string dataDir, string netns)
    {
        var cgroupRoot = "skiff-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..8];
        var socket = Path.Combine(dataDir, "agent", "containerd", "containerd.sock");
        var pids = new HashSet<int>();
        foreach (var controller in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
        {
            var dir = Path.Combine(controller, cgroupRoot);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var procs in Directory.EnumerateFiles(dir, "cgroup.procs", SearchOption.AllDirectories))
            {
                foreach (var line in SafeRead(procs).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (int.TryParse(line, out var pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
        }

        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(proc), out var pid) && SafeRead(Path.Combine(proc, "cmdline")).Replace('\0', ' ') is var cmd
                && cmd.Contains("containerd-shim", StringComparison.Ordinal) && cmd.Contains(socket, StringComparison.Ordinal))
            {
                pids.Add(pid);
            }
        }

        // The pods' network namespaces that containerd bind-mounted under /run/netns (cni-*): containerd is gone before
        // it could remove its sandboxes, so the names are found from the processes still in them, before they are killed.
        var podNetns = await PodNetnsNamesAsync(pids);
        foreach (var pid in pids)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
            }
            catch (Exception)
            {
            }
        }

        await Task.Delay(500);
        var mounts = SafeRead("/proc/mounts").Split('\n').Select(l => l.Split(' ')).Where(f => f.Length > 1).Select(f => f[1].Replace("\\040", " "))
            .Where(m => m.StartsWith(dataDir + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length).ToList();
        foreach (var mount in mounts)
        {
            await RunAsync(["umount", "-l", mount], check: false);
        }

        foreach (var controller in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
        {
            var dir = Path.Combine(controller, cgroupRoot);
            if (Directory.Exists(dir))
            {
                foreach (var sub in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(dir))
                {
                    try
                    {
                        Directory.Delete(sub);
                    }
                    catch (IOException)
                    {
                    }
                }
            }
        }

        foreach (var name in podNetns)
        {
            await RunAsync(["ip", "netns", "del", name], check: false);
        }

        await RunAsync(["ip", "netns", "del", netns], check: false);
        try
        {
            Directory.Delete(dataDir, true);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>The <c>cni-*</c> names under /run/netns of the network namespaces <paramref name="pids"/> live in (one lookup per namespace).</summary>
    private static async Task<List<string>> PodNetnsNamesAsync(IEnumerable<int> pids)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pid in pids)
        {
            string? ns;
            try
            {
                ns = new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
            }
            catch (Exception)
            {
                continue;
            }

            if (ns is null || !seen.Add(ns))
            {
                continue;
            }

            var (exitCode, output) = await RunAsync(["ip", "netns", "identify", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], check: false);
            if (exitCode == 0)
            {
                names.AddRange(output.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(n => n.StartsWith("cni-", StringComparison.Ordinal)));
            }
        }

        return names;
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception)
        {
            return string.Empty;
        }
    }

    private static Task<(int ExitCode, string Output)> RunAsync(params string[] command) => HostCommand.RunAsync(command, check: true, TimeSpan.FromSeconds(120));

    private static Task<(int ExitCode, string Output)> RunAsync(string[] command, bool check) => HostCommand.RunAsync(command, check, TimeSpan.FromSeconds(120));

    private static string RepoRoot() => HostCommand.RepoRoot();
}
