using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace Skiff.Bench.ApiServer;

/// <summary>
/// What a kubeconfig says about reaching the server (address, CA, client certificate or token), turned into
/// plain HTTP/2 clients as kubectl uses them: TLS verified against the kubeconfig's CA, client certificate auth.
/// </summary>
internal sealed class ClusterConnection
{
    private readonly X509Certificate2Collection _ca;
    private readonly X509Certificate2? _clientCertificate;
    private readonly string? _token;

    private ClusterConnection(Uri server, X509Certificate2Collection ca, X509Certificate2? clientCertificate, string? token)
    {
        Server = server;
        _ca = ca;
        _clientCertificate = clientCertificate;
        _token = token;
    }

    public Uri Server { get; }

    public string Credential => _clientCertificate is not null ? "client certificate " + _clientCertificate.Subject : "bearer token";

    public static ClusterConnection FromKubeconfig(string path)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        var ca = config.SslCaCerts ?? throw new InvalidOperationException($"{path}: the cluster has no certificate-authority(-data)");
        X509Certificate2? cert = null;
        if (config.ClientCertificateData is not null && config.ClientCertificateKeyData is not null)
        {
            cert = LoadCertificate(Decode(config.ClientCertificateData), Decode(config.ClientCertificateKeyData));
        }
        else if (config.ClientCertificateFilePath is not null && config.ClientKeyFilePath is not null)
        {
            cert = LoadCertificate(File.ReadAllText(config.ClientCertificateFilePath), File.ReadAllText(config.ClientKeyFilePath));
        }

        if (cert is null && string.IsNullOrEmpty(config.AccessToken))
        {
            throw new InvalidOperationException($"{path}: the user has neither a client certificate nor a token");
        }

        return new ClusterConnection(new Uri(config.Host.TrimEnd('/') + "/"), ca, cert, config.AccessToken);
    }

    /// <summary>A client with its own HTTP/2 connection (all requests made through it share that one connection).</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Verify(certificate, errors),
                ClientCertificates = _clientCertificate is null ? null : [_clientCertificate],
                LocalCertificateSelectionCallback = _clientCertificate is null ? null : (_, _, _, _, _) => _clientCertificate,
            },
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,

            // Go's HTTP/2 transport, which client-go and kubectl use, opens every stream with a 4 MiB window
            // (golang.org/x/net/http2 transportDefaultStreamFlow); .NET starts at 64 KiB and grows it with the
            // measured round-trip time. Large LIST responses would otherwise wait for window updates.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = Server,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(120),
        };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        client.DefaultRequestHeaders.UserAgent.ParseAdd("skiff-bench-apiserver/1.0");
        if (_clientCertificate is null && _token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        return client;
    }

    private bool Verify(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        // The server's name was checked by SslStream; the chain must end at the kubeconfig's CA, not the system's.
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static string Decode(string base64) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    private static X509Certificate2 LoadCertificate(string certPem, string keyPem)
    {
        using var pem = X509Certificate2.CreateFromPem(certPem, keyPem);

        // A PKCS#12 round trip gives a key SslStream can use for client authentication on Linux.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
