using System.Net;
using System.Net.Sockets;
using k8s;
using Skiff.Cli.Tests.Support;
using Skiff.Server;

namespace Skiff.Cli.Tests.Server;

// Runs the whole composition in-process (certificates, SQLite store, real API server on a free loopback
// port) and talks to it with the official C# client through the kubeconfig the server wrote.
public sealed class ServerCommandRunTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();
    private readonly ListLoggerProvider _logs = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_StartsServesAndStopsCleanly()
    {
        var extraKubeconfig = _dir.Combine("out", "admin.yaml");
        var command = new ServerCommand(_logs, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = command.RunAsync(
            new ServerOptions { DataDir = _dir.Combine("data"), BindAddress = "127.0.0.1", HttpsListenPort = 0, WriteKubeconfig = extraKubeconfig, DisableAgent = true },
            stop.Token);

        var url = await command.Ready.WaitAsync(Timeout);

        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.Single(_logs.Lines, l => l == $"Information: Skiff is ready: API server at https://127.0.0.1:{url.Port}, kubeconfig {_dir.Combine("data", "kubeconfig.yaml")}");
        Assert.Equal(File.ReadAllText(_dir.Combine("data", "kubeconfig.yaml")), File.ReadAllText(extraKubeconfig));

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(new FileInfo(extraKubeconfig));
        using (var client = new Kubernetes(config))
        {
            var namespaces = await client.CoreV1.ListNamespaceAsync();
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
        }

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Timeout));
        Assert.Contains("Information: Skiff stopped", _logs.Lines);
    }

    [Fact]
    public async Task RunAsync_SecondStart_ReusesTheClusterCa()
    {
        var data = _dir.Combine("data");
        await StartAndStop(data);
        var firstCa = File.ReadAllText(Path.Combine(data, "server", "tls", "server-ca.crt"));
        var firstToken = File.ReadAllText(Path.Combine(data, "server", "token"));

        await StartAndStop(data);

        Assert.Equal(firstCa, File.ReadAllText(Path.Combine(data, "server", "tls", "server-ca.crt")));
        Assert.Equal(firstToken, File.ReadAllText(Path.Combine(data, "server", "token")));
    }

    [Fact]
    public async Task RunAsync_PortInUse_ExitsOneWithOneLine()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var code = await new ServerCommand(_logs, TimeProvider.System)
            .RunAsync(new ServerOptions { DataDir = _dir.Combine("data"), BindAddress = "127.0.0.1", HttpsListenPort = port }, CancellationToken.None)
            .WaitAsync(Timeout);

        Assert.Equal(1, code);
        // The generic host's own "Hosting failed to start" is filtered out by the console logging set-up.
        var errors = _logs.LinesOf("Skiff.").Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"Error: cannot listen on 127.0.0.1:{port}: address already in use"], errors);
    }

    private async Task StartAndStop(string data)
    {
        var command = new ServerCommand(_logs, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = command.RunAsync(new ServerOptions { DataDir = data, BindAddress = "127.0.0.1", HttpsListenPort = 0, DisableAgent = true }, stop.Token);
        await command.Ready.WaitAsync(Timeout);
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Timeout));
    }
}
