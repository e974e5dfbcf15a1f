using System.Diagnostics;
using System.Text;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// <c>skiff sim --nodes 20</c> against a real <c>skiff server</c> (no agent of its own): 20 Nodes register Ready with the
/// simulated runtime, and a 100-replica Deployment reaches 100/100 with every pod Running on a sim node with an IP from
/// its node's pod CIDR, as the real kubectl shows. Scaling down stops and deletes the pods.
/// </summary>
public sealed class SimTests : IAsyncLifetime
{
    private readonly StringBuilder _simLog = new();
    private SkiffServer _server = null!;
    private Process? _sim;
    private string _simData = "";

    public async Task InitializeAsync()
    {
        _server = await SkiffServer.StartAsync();
        _simData = Path.Combine(Path.GetTempPath(), "skiff-sim-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { SkiffServer.SkiffDll, "sim", "--nodes", "20", "--server-data-dir", _server.DataDir, "--data-dir", _simData, "--start-delay", "100ms" })
        {
            psi.ArgumentList.Add(a);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sim = new Process { StartInfo = psi, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_simLog)
            {
                _simLog.AppendLine(line);
            }

            if (line.Contains("Skiff sim is ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        _sim.OutputDataReceived += (_, e) => OnLine(e.Data);
        _sim.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _sim.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("skiff sim exited early:\n" + SimLog));
        _sim.Start();
        _sim.BeginOutputReadLine();
        _sim.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
    }

    private string SimLog
    {
        get
        {
            lock (_simLog)
            {
                return _simLog.ToString();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_sim is { HasExited: false })
        {
            using (var kill = Process.Start("kill", $"-TERM {_sim.Id}"))
            {
                await kill.WaitForExitAsync();
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _sim.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _sim.Kill(entireProcessTree: true);
            }
        }

        _sim?.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_simData, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task EventuallyAsync(Func<Task<bool>> probe, string what, int seconds = 180)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await probe())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}\n--- sim log ---\n{SimLog}\n--- server log ---\n{_server.Log}");
            }

            await Task.Delay(1000);
        }
    }

    [Fact]
    public async Task Twenty_sim_nodes_run_a_100_replica_deployment_to_100_of_100_Running()
    {
        var k = new Kubectl(_server.Kubeconfig);
        string[] nodes = [];
        await EventuallyAsync(async () =>
        {
            var r = await k.RunAsync("get", "nodes", "--no-headers");
            nodes = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return nodes.Length == 20 && nodes.All(n => n.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "Ready");
        }, "20 sim nodes Ready");
        Assert.All(nodes, n => Assert.Matches("^sim-[0-9]+ ", n));
        Assert.Equal("skiff-sim://1.0.0", (await k.OkAsync("get", "node", "sim-0", "-o", "jsonpath={.status.nodeInfo.containerRuntimeVersion}")).Trim());
        Assert.Equal("32", (await k.OkAsync("get", "node", "sim-0", "-o", "jsonpath={.status.capacity.cpu}")).Trim());

        await k.OkAsync("create", "deployment", "big", "--image=registry.example/app:1", "--replicas=100");
        await EventuallyAsync(async () =>
        {
            var r = await k.RunAsync("get", "deployment", "big", "--no-headers");
            var columns = r.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return columns.Length > 1 && columns[1] == "100/100";
        }, "deployment big 100/100");

        var rows = (await k.OkAsync("get", "pods", "-l", "app=big", "-o", "wide", "--no-headers")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(100, rows.Count);
        Assert.All(rows, r => Assert.Equal(("1/1", "Running"), (r[1], r[2])));
        Assert.All(rows, r => Assert.StartsWith("sim-", r[6]));
        Assert.Equal(100, rows.Select(r => r[5]).Distinct().Count());

        // Each pod's IP lies in its node's pod CIDR.
        var cidrs = (await k.OkAsync("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{\"\\n\"}{end}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1]);
        Assert.All(rows, r => Assert.StartsWith(cidrs[r[6]][..cidrs[r[6]].LastIndexOf('.')] + ".", r[5]));

        await k.OkAsync("scale", "deployment", "big", "--replicas=5");
        await EventuallyAsync(async () =>
        {
            var r = await k.RunAsync("get", "pods", "-l", "app=big", "--no-headers");
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return r.ExitCode == 0 && lines.Length == 5 && lines.All(l => l.Contains(" Running ", StringComparison.Ordinal));
        }, "5 pods left after scaling down");
        Assert.Contains("Skiff sim is ready: 20 nodes registered", SimLog);
    }
}
