using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// Posts AdmissionReviews to webhooks over HTTPS (TLS 1.2+), trusting the webhook's caBundle (the system roots when it
/// has none) and checking the certificate names the host called (<c>NAME.NAMESPACE.svc</c> for a service reference).
/// Service hosts are dialled at an endpoint address from <see cref="ServiceEndpointResolver"/>. One connection pool per
/// CA bundle. Thread-safe.
/// </summary>
internal sealed class WebhookClient(ServiceEndpointResolver resolver) : IDisposable
{
    private const int MaxResponseBytes = 3 * 1024 * 1024;
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.Ordinal);

    /// <summary>The URL a webhook is called at, with kube-apiserver's <c>?timeout=Ns</c>.</summary>
    public static Uri Url(Webhook webhook)
    {
        var cc = webhook.ClientConfig!;
        var timeout = $"timeout={webhook.TimeoutSeconds ?? 10}s";
        if (!string.IsNullOrEmpty(cc.Url))
        {
            return new Uri(cc.Url + (cc.Url.Contains('?') ? "&" : "?") + timeout);
        }

        var s = cc.Service;
        var path = string.IsNullOrEmpty(s.Path) ? "/" : s.Path;
        return new Uri($"https://{s.Name}.{s.NamespaceProperty}.svc:{s.Port ?? 443}{path}?{timeout}");
    }

    /// <summary>Posts <paramref name="review"/> and returns the answer's JSON; throws <see cref="WebhookCallException"/> for every failure to get one.</summary>
    public async Task<JsonNode> PostAsync(Webhook webhook, JsonNode review, CancellationToken ct)
    {
        var url = Url(webhook);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(webhook.TimeoutSeconds ?? 10));
        var client = Client(webhook.ClientConfig?.CaBundle);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            using var response = await client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await ReadAsync(response, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new WebhookCallException($"failed to call webhook: the server responded with status {(int)response.StatusCode}: {Truncate(body)}");
            }

            try
            {
                return JsonNode.Parse(body) ?? throw new WebhookCallException("received an empty AdmissionReview");
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new WebhookCallException($"received invalid webhook response: {ex.Message}", ex);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{url}\": context deadline exceeded");
        }
        catch (HttpRequestException ex)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{url}\": {Describe(ex)}", ex);
        }
        catch (WebhookCallException)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or SocketException)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{url}\": {Describe(ex)}", ex);
        }
    }

    private static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner == ex ? ex.Message : $"{ex.Message} ({inner.Message})";
    }

    private static string Truncate(string s) => s.Length > 512 ? s[..512] + "..." : s;

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var memory = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (memory.Length + n > MaxResponseBytes)
            {
                throw new WebhookCallException($"the webhook response is larger than {MaxResponseBytes} bytes");
            }

            memory.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(memory.GetBuffer(), 0, (int)memory.Length);
    }

    private HttpMessageInvoker Client(byte[]? caBundle)
    {
        var key = caBundle is { Length: > 0 } ? Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(caBundle)) : "";
        return _clients.GetOrAdd(key, _ => new HttpMessageInvoker(CreateHandler(caBundle)));
    }

    private SocketsHttpHandler CreateHandler(byte[]? caBundle)
    {
        var roots = new X509Certificate2Collection();
        if (caBundle is { Length: > 0 })
        {
            try
            {
                roots.ImportFromPem(Encoding.ASCII.GetString(caBundle));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // A bundle that does not parse trusts nothing: every call then fails the certificate check.
            }
        }

        var useBundle = caBundle is { Length: > 0 };
        return new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
                    {
                        return false;
                    }

                    if (!useBundle)
                    {
                        return errors == SslPolicyErrors.None;
                    }

                    using var custom = new X509Chain();
                    custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    custom.ChainPolicy.CustomTrustStore.AddRange(roots);
                    custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    if (chain is not null)
                    {
                        foreach (var element in chain.ChainElements)
                        {
                            custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                        }
                    }

                    return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
            ConnectCallback = async (context, ct) =>
            {
                var (host, port) = (context.DnsEndPoint.Host, context.DnsEndPoint.Port);
                if (ServiceEndpointResolver.TryParseServiceHost(host, out var ns, out var name))
                {
                    (host, port) = resolver.Resolve(ns, name, port);
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
