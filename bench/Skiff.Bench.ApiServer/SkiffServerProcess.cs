using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Skiff.Bench.ApiServer;

/// <summary>
/// A real <c>skiff server</c> process on a free loopback port with a temporary data directory, so the RSS we
/// read is the server's own. Its output goes to a log file beside the data directory.
/// </summary>
internal sealed class SkiffServerProcess : IAsyncDisposable
{
    private const string ReadyLine = "Skiff is ready";
    private const int Sigterm = 15;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _root;
    private readonly bool _keep;

    private SkiffServerProcess(Process process, StreamWriter log, string root, string dataDir, int port, bool keep)
    {
        _process = process;
        _log = log;
        _root = root;
        _keep = keep;
        DataDirectory = dataDir;
        Port = port;
    }

    public int Pid => _process.Id;

    public int Port { get; }

    public string DataDirectory { get; }

    public string KubeconfigPath => Path.Combine(DataDirectory, "kubeconfig.yaml");

    public string LogPath => Path.Combine(_root, "server.log");

    public string Command { get; private set; } = "";

    /// <summary>Finds the Release skiff.dll of the checkout this benchmark was built from.</summary>
    public static string DefaultSkiffPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skiff.slnx")))
            {
                return Path.Combine(dir.FullName, "src", "Skiff", "bin", "Release", "net10.0", "skiff.dll");
            }
        }

        throw new InvalidOperationException("cannot find the repository (Skiff.slnx) above " + AppContext.BaseDirectory + "; pass --skiff PATH");
    }

    /// <summary>Starts the server and waits until it logs that it is ready.</summary>
    public static async Task<SkiffServerProcess> StartAsync(string skiffPath, IEnumerable<KeyValuePair<string, string>> environment, bool keep, bool withControllers, bool withScheduler, CancellationToken cancellationToken, string? datastoreEndpoint = null)
    {
        if (!File.Exists(skiffPath))
        {
            throw new InvalidOperationException($"{skiffPath} does not exist: build it first with `dotnet build -c Release src/Skiff`");
        }

        var root = Path.Combine(Path.GetTempPath(), "skiff-bench-" + Guid.NewGuid().ToString("N")[..10]);
        var dataDir = Path.Combine(root, "data");
        Directory.CreateDirectory(dataDir);
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        // The dotnet host runs the app inside its own process, so this PID is the server's.
        if (skiffPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.FileName = "dotnet";
            start.ArgumentList.Add(skiffPath);
        }
        else
        {
            start.FileName = skiffPath;
        }

        foreach (var a in new[] { "server", "--data-dir", dataDir, "--bind-address", "127.0.0.1", "--https-listen-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--disable-agent" })
        {
            start.ArgumentList.Add(a);
        }

        if (datastoreEndpoint is not null)
        {
            start.ArgumentList.Add("--datastore-endpoint");
            start.ArgumentList.Add(datastoreEndpoint);
        }

        if (!withControllers)
        {
            start.ArgumentList.Add("--disable-controller-manager");
        }
        else
        {
            // Benchmarks create Node objects no agent heartbeats; the node lifecycle controller would taint them
            // unreachable after 40 s and stop scheduling there, so the grace period outlasts any run.
            start.ArgumentList.Add("--node-monitor-grace-period");
            start.ArgumentList.Add("2h");
        }

        if (!withScheduler)
        {
            start.ArgumentList.Add("--disable-scheduler");
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(Path.Combine(root, "server.log")) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        var server = new SkiffServerProcess(process, log, root, dataDir, port, keep)
        {
            Command = start.FileName + " " + string.Join(' ', start.ArgumentList),
        };
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var exited = process.WaitForExitAsync(cancellationToken);
            var first = await Task.WhenAny(server._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken));
            if (first != server._ready.Task)
            {
                var why = exited.IsCompletedSuccessfully ? $"exited with code {process.ExitCode}" : "did not log \"" + ReadyLine + "\" within 60 s";
                throw new InvalidOperationException($"skiff server {why}; its log:\n{server.Tail()}");
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The last lines of the server log, for error messages.</summary>
    public string Tail()
    {
        lock (_log)
        {
            _log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (IOException e)
        {
            return "(log unreadable: " + e.Message + ")";
        }
    }

    /// <summary>Stops the server with SIGTERM (SIGKILL after 30 s) and removes its files unless asked to keep them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, Sigterm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"skiff server (pid {_process.Id}) did not stop within 30 s of SIGTERM; killing it");
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }

        // WaitForExitAsync also waits for the redirected streams to reach their end.
        lock (_log)
        {
            _log.Dispose();
        }

        _process.Dispose();
        if (!_keep)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.BaseStream.CanWrite)
            {
                _log.WriteLine(line);
            }
        }

        if (line.Contains(ReadyLine, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
