using Skiff.Cli.Tests.Support;
using Skiff.Server;

namespace Skiff.Cli.Tests.Server;

// These cover the failures ServerCommand reports before it starts anything; serving itself is covered by
// the E2E suite, which runs the real binary against the real API server.
public sealed class ServerCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ListLoggerProvider _logs = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_EtcdEndpointNotListening_ExitsOneNamingTheEndpoint()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var code = await Run(new ServerOptions { DataDir = _dir.Path, DatastoreEndpoint = $"http://127.0.0.1:{port}" });

        Assert.Equal(1, code);
        Assert.Contains(_logs.Lines, l => l.StartsWith($"Error: cannot open the etcd datastore: etcd http://127.0.0.1:{port}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_EtcdClientCertificateWithoutKey_ExitsOneSayingWhatIsMissing()
    {
        var code = await Run(new ServerOptions { DataDir = _dir.Path, DatastoreEndpoint = "https://127.0.0.1:2379", DatastoreCertFile = "/x/client.crt" });

        Assert.Equal(1, code);
        Assert.Contains(_logs.Lines, l => l.Contains("a client certificate needs both a certificate file and a key file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_BadBindAddress_ExitsOneWithOneLine()
    {
        var code = await Run(new ServerOptions { DataDir = _dir.Path, BindAddress = "nope" });

        Assert.Equal(1, code);
        var line = Assert.Single(_logs.Lines);
        Assert.Equal("Error: --bind-address: 'nope' is not an IP address", line);
    }

    [Fact]
    public async Task RunAsync_DataDirIsAFile_ExitsOneNamingTheDirectory()
    {
        var file = _dir.Combine("file");
        File.WriteAllText(file, "x");

        var code = await Run(new ServerOptions { DataDir = file });

        Assert.Equal(1, code);
        Assert.Contains(_logs.Lines, l => l.StartsWith($"Error: data directory {file} is not usable", StringComparison.Ordinal));
    }

    private Task<int> Run(ServerOptions options) =>
        new ServerCommand(_logs, TimeProvider.System).RunAsync(options, CancellationToken.None);
}
