using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Skiff.E2E.Support;

/// <summary>
/// A real <c>skiff server</c> process (the built binary, as a user runs it) on a free loopback port with its own
/// data directory. Stopped with SIGTERM on dispose; can be killed with SIGKILL and restarted on the same data.
/// </summary>
public sealed class SkiffServer : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    private SkiffServer(string dataDir, int port)
    {
        DataDir = dataDir;
        Port = port;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig.yaml");

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

    /// <summary>The skiff entry assembly next to the test assembly (built through the project reference).</summary>
    public static string SkiffDll => Path.Combine(AppContext.BaseDirectory, "skiff.dll");

    public static async Task<SkiffServer> StartAsync(string? dataDir = null, params string[] extraArgs)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "skiff-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dataDir);
        // A test may pick its own address and port (several servers on one port, each on its own loopback address).
        var portIndex = Array.IndexOf(extraArgs, "--https-listen-port");
        var server = new SkiffServer(dataDir, portIndex >= 0 ? int.Parse(extraArgs[portIndex + 1]) : FreePort());
        await server.StartProcessAsync(extraArgs);
        return server;
    }

    /// <summary>Starts the process again on the same data directory and port (after a kill or stop).</summary>
    public Task RestartAsync(params string[] extraArgs) => StartProcessAsync(extraArgs);

    private async Task StartProcessAsync(string[] extraArgs)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] listen = extraArgs.Contains("--bind-address") ? [] : ["--bind-address", "127.0.0.1"];
        if (!extraArgs.Contains("--https-listen-port"))
        {
            listen = [.. listen, "--https-listen-port", Port.ToString()];
        }

        foreach (var a in new[] { SkiffDll, "server", "--data-dir", DataDir }.Concat(listen).Append("--disable-agent").Concat(extraArgs))
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
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("skiff server did not report ready within 60 s:\n" + Log);
        }
    }

    /// <summary>Stops the server with SIGTERM and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        Signal(_process.Id, "TERM");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the server with SIGKILL: no chance to flush anything.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        Signal(_process.Id, "KILL");
        await _process.WaitForExitAsync();
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            await KillAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(DataDir, true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
