using System.Diagnostics;
using System.Text;

namespace Skiff.E2E.Support;

/// <summary>
/// Several "hosts" on one machine (DESIGN §4): a switch network namespace with a bridge, and one network namespace per
/// host joined to it by a veth pair, on 192.168.77.0/24 with no route out. Host 0 runs <c>skiff server</c> (bound to its
/// address, with its own node agent); the others run <c>skiff agent --server https://192.168.77.10:6443 --token T</c>,
/// each with its own data directory, containerd and cgroup root. kubectl runs in host 0's namespace with the admin
/// kubeconfig. Dispose stops every process it started by PID and cleans each host as <see cref="NodeServer"/> does.
/// Needs root.
/// </summary>
public sealed class MultiNodeCluster : IAsyncDisposable
{
    public const string Subnet = "192.168.77";

    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly List<Host> _hosts = [];

    private MultiNodeCluster()
    {
    }

    public string SwitchNetns => "sks" + _id;

    public IReadOnlyList<Host> Hosts => _hosts;

    public Host Server => _hosts[0];

    private Kubectl? _kubectl;

    public Kubectl Kubectl => _kubectl ??= new(Path.Combine(Server.DataDir, "kubeconfig.yaml")) { NetworkNamespace = Server.Netns };

    public string ServerUrl => $"https://{Server.Address}:6443";

    /// <summary>The join token the agents used.</summary>
    public string JoinToken { get; private set; } = "";

    /// <summary>How long each agent took from start to its Node being Ready (seconds), for the report.</summary>
    public List<double> JoinSeconds { get; } = [];

    /// <summary>Starts the server and <paramref name="agents"/> agents, each on its own host; waits until every node is Ready and has the test image.</summary>
    public static async Task<MultiNodeCluster> StartAsync(int agents)
    {
        var cluster = new MultiNodeCluster();
        try
        {
            await Run("ip", "netns", "add", cluster.SwitchNetns);
            await Run("ip", "-n", cluster.SwitchNetns, "link", "add", "br0", "type", "bridge");
            await Run("ip", "-n", cluster.SwitchNetns, "link", "set", "br0", "up");
            for (var i = 0; i <= agents; i++)
            {
                cluster._hosts.Add(await cluster.AddHostAsync(i));
            }

            var image = Path.Combine(cluster.Server.DataDir, "busybox.tar");
            await Run(Path.Combine(RepoRoot(), "scripts", "build-test-image.sh"), image, NodeServer.TestImage);
            await cluster.Server.StartAsync(["server", "--data-dir", cluster.Server.DataDir, "--bind-address", cluster.Server.Address, "--https-listen-port", "6443",
                "--node-name", cluster.Server.NodeName, "--node-ip", cluster.Server.Address, "--kubelet-port", "10250",
                "--node-monitor-period", "2s", "--node-monitor-grace-period", "20s",
                "--default-not-ready-toleration-seconds", "10", "--default-unreachable-toleration-seconds", "10"], "Skiff is ready");
            await cluster.Server.WaitForLogAsync("containerd is ready", 120);
            await Run("dotnet", SkiffServer.SkiffDll, "images", "import", "--data-dir", cluster.Server.DataDir, image);
            await cluster.WaitForReadyAsync(cluster.Server.NodeName);

            var (code, token) = await cluster.Server.InNetnsAsync("dotnet", SkiffServer.SkiffDll, "token", "create", "--data-dir", cluster.Server.DataDir, "--ttl", "2h");
            cluster.JoinToken = token.Trim();
            if (code != 0 || !cluster.JoinToken.StartsWith("K10", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"skiff token create failed ({code}): {token}");
            }

            foreach (var agent in cluster._hosts.Skip(1))
            {
                var started = Stopwatch.StartNew();
                await cluster.StartAgentAsync(agent);
                await cluster.WaitForReadyAsync(agent.NodeName);
                cluster.JoinSeconds.Add(started.Elapsed.TotalSeconds);
                await Run("dotnet", SkiffServer.SkiffDll, "images", "import", "--data-dir", agent.DataDir, image);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Starts (or restarts) the agent of <paramref name="host"/> with the cluster's join token.</summary>
    public Task StartAgentAsync(Host host) =>
        host.StartAsync(["agent", "--server", ServerUrl, "--token", JoinToken, "--data-dir", host.DataDir, "--node-name", host.NodeName,
            "--node-ip", host.Address, "--kubelet-port", "10250"], "containerd is ready");

    /// <summary>Runs <c>skiff agent</c> to completion in <paramref name="host"/>'s namespace with a fresh data directory; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAgentOnceAsync(Host host, string token, string nodeName, int seconds = 90)
    {
        var dataDir = Path.Combine("/tmp", "skj-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            return await Run(["timeout", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "nsenter", "--net=/run/netns/" + host.Netns, "dotnet", SkiffServer.SkiffDll,
                "agent", "--server", ServerUrl, "--token", token, "--data-dir", dataDir, "--node-name", nodeName, "--node-ip", host.Address,
                "--kubelet-port", "10251", "--disable-kube-proxy", "--disable-cluster-dns"], check: false);
        }
        finally
        {
            await NodeServer.CleanUpHostAsync(dataDir, "none-" + _id);
        }
    }

    /// <summary>Waits until the node is Ready and the node lifecycle controller has lifted its NoExecute taints (pods placed earlier would be evicted).</summary>
    public async Task WaitForReadyAsync(string node, int seconds = 180) =>
        await EventuallyAsync(async () =>
            (await Kubectl.RunAsync("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Stdout.Trim() == "True"
            && !(await Kubectl.RunAsync("get", "node", node, "-o", "jsonpath={.spec.taints}")).Stdout.Contains("NoExecute", StringComparison.Ordinal),
            $"node {node} Ready without NoExecute taints", seconds);

    /// <summary>Polls until <paramref name="probe"/> holds (generous deadlines: the machine is shared), then returns; throws with every host's log on timeout.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> probe, string what, int seconds = 120)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}\n" + string.Join("\n", _hosts.Select(h => $"--- {h.NodeName} log ---\n{h.Log}")));
            }

            await Task.Delay(1000);
        }
    }

    private async Task<Host> AddHostAsync(int index)
    {
        var host = new Host(this, index, "skh" + _id + index, Path.Combine("/tmp", $"skm-{_id}{index}"), $"{Subnet}.{10 + index}");
        Directory.CreateDirectory(host.DataDir);
        await Run("ip", "netns", "add", host.Netns);
        await Run("ip", "-n", host.Netns, "link", "set", "lo", "up");
        var outside = $"v{_id}{index}";
        await Run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", host.Netns);
        await Run("ip", "link", "set", outside, "netns", SwitchNetns);
        await Run("ip", "-n", SwitchNetns, "link", "set", outside, "master", "br0", "up");
        await Run("ip", "-n", host.Netns, "addr", "add", host.Address + "/24", "dev", "eth0");
        await Run("ip", "-n", host.Netns, "link", "set", "eth0", "up");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_hosts.Count > 0 && _hosts[0].Running)
            {
                await Kubectl.RunAsync("delete", "pods", "--all", "-A", "--grace-period=1", "--timeout=60s");
            }
        }
        catch (Exception)
        {
        }

        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
        }

        foreach (var host in _hosts)
        {
            await NodeServer.CleanUpHostAsync(host.DataDir, host.Netns);
        }

        await Run(["ip", "netns", "del", SwitchNetns], check: false);
    }

    internal static Task<(int ExitCode, string Output)> Run(params string[] command) => HostCommand.RunAsync(command);

    internal static Task<(int ExitCode, string Output)> Run(string[] command, bool check) => HostCommand.RunAsync(command, check);

    private static string RepoRoot() => HostCommand.RepoRoot();

    /// <summary>One host: a network namespace with an address on the shared bridge, a data directory and (while running) a skiff process.</summary>
    public sealed class Host(MultiNodeCluster cluster, int index, string netns, string dataDir, string address)
    {
        private readonly StringBuilder _log = new();
        private Process? _process;

        public int Index { get; } = index;

        public string Netns { get; } = netns;

        public string DataDir { get; } = dataDir;

        public string Address { get; } = address;

        public string NodeName => $"host-{Index}";

        public bool Running => _process is { HasExited: false };

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

        /// <summary>Runs a command in this host's network namespace.</summary>
        public Task<(int ExitCode, string Output)> InNetnsAsync(params string[] command) => Run(["nsenter", "--net=/run/netns/" + Netns, .. command], check: false);

        internal async Task StartAsync(string[] args, string readyLine)
        {
            lock (_log)
            {
                _log.Clear();
            }

            var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--net=/run/netns/" + Netns, "dotnet", SkiffServer.SkiffDll }.Concat(args))
            {
                psi.ArgumentList.Add(a);
            }

            var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
            void OnLine(string? line)
            {
                if (line is not null)
                {
                    lock (_log)
                    {
                        _log.AppendLine(line);
                    }
                }
            }

            p.OutputDataReceived += (_, e) => OnLine(e.Data);
            p.ErrorDataReceived += (_, e) => OnLine(e.Data);
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            _process = p;
            await WaitForLogAsync(readyLine, 180);
        }

        internal async Task WaitForLogAsync(string text, int seconds)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
            while (!Log.Contains(text, StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline || _process is { HasExited: true })
                {
                    throw new TimeoutException($"{NodeName}: '{text}' not logged within {seconds}s:\n{Log}");
                }

                await Task.Delay(250);
            }
        }

        /// <summary>
        /// Kills the skiff process at once (SIGKILL to its PID), as a crashed machine would stop, and the containerd it
        /// started (found by its config path under this host's data directory); container shims stay.
        /// </summary>
        public void Kill()
        {
            if (Running)
            {
                _process!.Kill();
                _process.WaitForExit();
            }

            var config = Path.Combine(DataDir, "agent", "containerd", "config.toml");
            foreach (var proc in Directory.GetDirectories("/proc"))
            {
                try
                {
                    if (int.TryParse(Path.GetFileName(proc), out var pid) && File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ') is var cmd
                        && cmd.StartsWith("containerd ", StringComparison.Ordinal) && cmd.Contains(config, StringComparison.Ordinal))
                    {
                        using var p = Process.GetProcessById(pid);
                        p.Kill();
                    }
                }
                catch (Exception)
                {
                }
            }
        }

        /// <summary>Stops the skiff process with SIGTERM (SIGKILL after 40 s).</summary>
        public async Task StopAsync()
        {
            if (!Running)
            {
                return;
            }

            using (var kill = Process.Start("kill", $"-TERM {_process!.Id}"))
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
        }

        public override string ToString() => $"{NodeName} ({Address}, {cluster.SwitchNetns})";
    }
}
