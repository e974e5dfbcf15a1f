using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Storage.Sqlite;

namespace Skiff.ApiServer.Tests.Support;

/// <summary>
/// A real API server on a loopback port with a fresh SQLite store, reached over HTTPS with an admin client
/// certificate: the same pipeline kubectl talks to.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly SqliteStore _store;
    private readonly IApiServer _server;
    private readonly string _dir;

    private TestServer(string dir, SqliteStore store, IApiServer server, TestCertificates certs)
    {
        _dir = dir;
        _store = store;
        _server = server;
        Certificates = certs;
        Client = CreateClient(certs.Admin);
    }

    public TestCertificates Certificates { get; }

    public HttpClient Client { get; }

    public Uri Address => _server.Address;

    public string Directory => _dir;

    public static async Task<TestServer> StartAsync(Action<ApiServerOptions>? configure = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-test-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var certs = new TestCertificates();
        var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = Path.Combine(dir, "state.db") }, null);
        var options = new ApiServerOptions
        {
            Port = 0,
            ServingCertificate = certs.Serving,
            ClientCaCertificate = certs.Ca,
            Tokens = new Dictionary<string, UserInfo> { ["test-token"] = new("token-user", "1", ["system:masters", "system:authenticated"]) },
        };
        configure?.Invoke(options);
        var loggers = Environment.GetEnvironmentVariable("SKIFF_TEST_LOG") is null
            ? NullLoggerFactory.Instance
            : LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug));
        var server = await ApiServerHost.StartAsync(options, store, loggers);
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return new TestServer(dir, store, server, certs);
    }

    /// <summary>An HTTP/2 client presenting <paramref name="clientCert"/> (or none) and trusting the test CA.</summary>
    public HttpClient CreateClient(System.Security.Cryptography.X509Certificates.X509Certificate2? clientCert)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == Certificates.Serving.GetCertHashString(),
                ClientCertificates = clientCert is null ? null : [clientCert],
                LocalCertificateSelectionCallback = clientCert is null ? null : (_, _, _, _, _) => clientCert,
            },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler)
        {
            BaseAddress = Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>Writes a kubeconfig for this server with the admin certificate.</summary>
    public string WriteKubeconfig()
    {
        var path = Path.Combine(_dir, "kubeconfig.yaml");
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: {Address.ToString().TrimEnd('/')}
                certificate-authority-data: {B64(TestCertificates.Pem(Certificates.Ca))}
            users:
            - name: admin
              user:
                client-certificate-data: {B64(TestCertificates.Pem(Certificates.Admin))}
                client-key-data: {B64(TestCertificates.KeyPem(Certificates.Admin))}
            contexts:
            - name: test
              context:
                cluster: test
                user: admin
            current-context: test
            """);
        return path;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}
