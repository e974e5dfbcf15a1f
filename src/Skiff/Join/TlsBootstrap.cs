using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Join;

/// <summary>
/// The kubelet's TLS bootstrap as a joining agent does it: fetch the cluster CA from the server's <c>/cacerts</c>
/// and trust it only if its SHA-256 matches the join token's; then, authenticated by the bootstrap token (or later
/// by its current node certificate, to renew), create a CertificateSigningRequest for <c>system:node:NAME</c> in
/// <c>system:nodes</c> and wait until the csrapproving and csrsigning controllers approve and sign it.
/// </summary>
internal sealed partial class TlsBootstrap(Uri server, TimeProvider time, ILogger logger)
{
    public static readonly ApiResource CertificateSigningRequests = new("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false);

    /// <summary>The server this agent joins.</summary>
    public Uri Server => server;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(30);

    /// <summary>Fetches the CA and checks it against <paramref name="expectedHash"/>; a mismatch or an unreachable server is a <see cref="StartupException"/>.</summary>
    public async Task<X509Certificate2> FetchCaAsync(string expectedHash, CancellationToken cancellationToken)
    {
        // Nothing is trusted yet: the answer is believed only because its hash matches the token's.
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true }, ConnectTimeout = TimeSpan.FromSeconds(10) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        string pem;
        try
        {
            pem = await http.GetStringAsync(new Uri(server, "/cacerts"), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new StartupException($"cannot fetch the cluster CA from {server}cacerts: {ex.Message}", ex);
        }

        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new StartupException($"{server}cacerts did not answer with a certificate: {ex.Message}", ex);
        }

        var hash = JoinToken.HashOf(ca);
        if (hash != expectedHash)
        {
            ca.Dispose();
            throw new StartupException($"the server at {server} presents a cluster CA with hash sha256:{hash}, but the join token expects sha256:{expectedHash}; refusing to join (wrong server, or a token of another cluster)");
        }

        Log.CaVerified(logger, server.ToString(), hash);
        return ca;
    }

    /// <summary>A connection to the server that trusts only <paramref name="ca"/> and authenticates with <paramref name="bearerToken"/>.</summary>
    public ApiConnection TokenConnection(X509Certificate2 ca, string bearerToken)
    {
        var connection = new ApiConnection(new k8s.KubernetesClientConfiguration
        {
            Host = server.GetLeftPart(UriPartial.Authority),
            SslCaCerts = [X509CertificateLoader.LoadCertificate(ca.RawData)],
        }) { UserAgent = "skiff-agent-bootstrap" };

        // Resource clients send through the HttpClient directly, where the KubernetesClient package adds no token of its own.
        connection.HttpClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        return connection;
    }

    /// <summary>
    /// Requests a certificate for <paramref name="commonName"/> in system:nodes from <paramref name="signerName"/> through
    /// <paramref name="connection"/> and waits for it, however long approval takes. <paramref name="created"/> hears the
    /// request's name and key before the wait (to resume it after a restart). Returns the key and the certificate PEM; a
    /// denied or failed request, or a refused token, is a <see cref="StartupException"/>.
    /// </summary>
    public async Task<(ECDsa Key, byte[] Certificate, string Name)> RequestAsync(
        ApiConnection connection, string commonName, string signerName, IList<string> usages, Action<CertificateRequest>? extend, CancellationToken cancellationToken,
        Action<string, ECDsa>? created = null, string? organization = "system:nodes")
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var subject = new X500DistinguishedNameBuilder();
            if (organization is not null)
            {
                subject.AddOrganizationName(organization);
            }

            subject.AddCommonName(commonName);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            extend?.Invoke(request);
            var pem = request.CreateSigningRequestPem();
            var csrs = connection.For<V1CertificateSigningRequest>(CertificateSigningRequests);
            V1CertificateSigningRequest csr;
            try
            {
                csr = await csrs.CreateAsync(new V1CertificateSigningRequest
                {
                    ApiVersion = "certificates.k8s.io/v1",
                    Kind = "CertificateSigningRequest",
                    Metadata = new V1ObjectMeta { GenerateName = "node-csr-" },
                    Spec = new V1CertificateSigningRequestSpec { Request = Encoding.ASCII.GetBytes(pem + "\n"), SignerName = signerName, Usages = usages },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new StartupException($"the server at {server} refused the join token (401 Unauthorized): it is wrong, expired or deleted; make a new one with `skiff token create` on the server", ex);
            }
            catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
            {
                throw new StartupException($"the server at {server} does not allow this agent to request a certificate: {ex.Message}", ex);
            }
            catch (HttpRequestException ex)
            {
                throw new StartupException($"cannot reach the server at {server}: {ex.Message}", ex);
            }

            var name = csr.Metadata.Name;
            Log.Requested(logger, name, signerName, commonName);
            created?.Invoke(name, key);
            return (key, await WaitAsync(connection, name, cancellationToken).ConfigureAwait(false), name);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the request <paramref name="name"/> is issued; denied, failed or deleted is a <see cref="StartupException"/>.</summary>
    public async Task<byte[]> WaitAsync(ApiConnection connection, string name, CancellationToken cancellationToken)
    {
        var csrs = connection.For<V1CertificateSigningRequest>(CertificateSigningRequests);
        var lastReport = time.GetUtcNow();
        while (true)
        {
            V1CertificateSigningRequest current;
            try
            {
                current = await csrs.GetAsync(null, name, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                throw new StartupException($"certificate signing request {name} was deleted before it was signed", ex);
            }
            catch (Exception ex) when (ex is HttpRequestException or ApiException { StatusCode: >= HttpStatusCode.InternalServerError })
            {
                // The server may be restarting; keep waiting.
                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (current.Status?.Conditions?.FirstOrDefault(c => c.Type is "Denied" or "Failed" && c.Status == "True") is { } refused)
            {
                throw new StartupException($"certificate signing request {name} was {refused.Type.ToLowerInvariant()}: {refused.Reason} {refused.Message}".TrimEnd());
            }

            if (current.Status?.Certificate is { Length: > 0 } certificate)
            {
                Log.Issued(logger, name);
                return certificate;
            }

            if (time.GetUtcNow() - lastReport >= ReportInterval)
            {
                lastReport = time.GetUtcNow();
                Log.Waiting(logger, name);
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "JoinCaVerified", Level = LogLevel.Information, Message = "trusting the cluster CA of {Server}: sha256:{Hash} matches the join token")]
        public static partial void CaVerified(ILogger logger, string server, string hash);

        [LoggerMessage(EventId = 2, EventName = "CsrRequested", Level = LogLevel.Information, Message = "created certificate signing request {Name} ({Signer}) for {CommonName}")]
        public static partial void Requested(ILogger logger, string name, string signer, string commonName);

        [LoggerMessage(EventId = 3, EventName = "CsrIssued", Level = LogLevel.Information, Message = "certificate signing request {Name} was approved and signed")]
        public static partial void Issued(ILogger logger, string name);

        [LoggerMessage(EventId = 4, EventName = "CsrWaiting", Level = LogLevel.Information, Message = "still waiting for certificate signing request {Name} to be approved (`kubectl certificate approve {Name}`)")]
        public static partial void Waiting(ILogger logger, string name);
    }
}
