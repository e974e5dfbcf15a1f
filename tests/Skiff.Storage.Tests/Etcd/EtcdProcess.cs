using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Tests.Support;

/// <summary>
/// A real single-member etcd (<c>/usr/bin/etcd</c>, Debian's etcd-server) on free loopback ports with its data in a
/// temporary folder; disposing kills it by PID and deletes the folder. Fails with a clear message when etcd is not installed.
/// </summary>
public sealed class EtcdProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/etcd";

    private readonly Process _process;
    private readonly string _dataDir;
    private readonly List<string> _output = [];

    private EtcdProcess(Process process, string dataDir, Uri clientUrl)
    {
        _process = process;
        _dataDir = dataDir;
        ClientUrl = clientUrl;
    }

    /// <summary>The client URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri ClientUrl { get; }

    /// <summary>The etcd process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts etcd and waits until it answers /health; retries with other ports if a port was taken meanwhile.</summary>
    public static async Task<EtcdProcess> StartAsync(string? dataDir = null, IReadOnlyList<string>? extraArguments = null, string scheme = "http")
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"etcd is not installed ({Binary} is missing): run scripts/setup-debian.sh, which installs the Debian package etcd-server");
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var dir = dataDir ?? Path.Combine(Path.GetTempPath(), "skiff-etcd-" + Guid.NewGuid().ToString("N"));
            var clientPort = FreePort();
            var peerPort = FreePort();
            var client = $"{scheme}://127.0.0.1:{clientPort}";
            var peer = $"http://127.0.0.1:{peerPort}";
            var start = new ProcessStartInfo(Binary)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--name", "default", "--data-dir", dir, "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"default={peer}",
                "--logger=zap", "--log-level=warn",
            }.Concat(extraArguments ?? []))
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            var etcd = new EtcdProcess(process, dir, new Uri(client));
            process.OutputDataReceived += (_, e) => etcd.Record(e.Data);
            process.ErrorDataReceived += (_, e) => etcd.Record(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await etcd.WaitHealthyAsync(scheme == "http").ConfigureAwait(false);
                return etcd;
            }
            catch (Exception ex)
            {
                last = ex;
                await etcd.DisposeAsync(deleteData: dataDir is null).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException("etcd did not start", last);
    }

    /// <summary>Kills etcd (SIGKILL) and waits for it to exit; the data folder is kept.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => DisposeAsync(deleteData: true);

    private async ValueTask DisposeAsync(bool deleteData)
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
        if (deleteData)
        {
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }

    private async Task WaitHealthyAsync(bool probeHttp)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with code {_process.ExitCode}: {Output()}");
            }

            if (!probeHttp)
            {
                using var tcp = new TcpClient();
                try
                {
                    await tcp.ConnectAsync(IPAddress.Loopback, ClientUrl.Port).ConfigureAwait(false);
                    await Task.Delay(500).ConfigureAwait(false);
                    return;
                }
                catch (SocketException)
                {
                }
            }
            else
            {
                try
                {
                    var health = await http.GetStringAsync(new Uri(ClientUrl, "/health")).ConfigureAwait(false);
                    if (health.Contains("\"true\"", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"etcd at {ClientUrl} was not healthy within 30 s: {Output()}");
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output.TakeLast(20));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
