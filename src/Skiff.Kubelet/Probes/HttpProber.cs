using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Skiff.Kubelet.Probes;

/// <summary>
/// The httpGet prober, with the kubelet's rules: a GET with <c>User-Agent: kube-probe/1.33</c> and <c>Accept: */*</c>
/// unless the probe sets them, no keep-alive, no proxy, HTTPS without certificate verification; 200–399 is success;
/// redirects are followed only to the same host (at most 10), and a redirect to another host ends the probe with
/// a <see cref="ProbeStatus.Warning"/>; any other status fails with <c>HTTP probe failed with statuscode: N</c>.
/// </summary>
/// <remarks>Thread-safe; one instance serves every HTTP probe of the node.</remarks>
internal sealed class HttpProber : IDisposable
{
    /// <summary>The User-Agent the kubelet of v1.33 sends.</summary>
    public const string UserAgent = "kube-probe/1.33";

    /// <summary>The most response body kept (the kubelet's maxRespBodyLength).</summary>
    public const int MaxBodyLength = 10 * 1024;

    private const int MaxRedirects = 10;

    private readonly HttpMessageInvoker _client;
    private readonly TimeProvider _time;

    public HttpProber(TimeProvider time)
    {
        _time = time;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });
    }

    /// <summary>Probes <paramref name="url"/> with the extra <paramref name="headers"/> (name, value pairs, in order).</summary>
    public async Task<ProbeOutcome> ProbeAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var current = url;
        for (var hops = 0; ; hops++)
        {
            HttpResponseMessage response;
            try
            {
                using var request = NewRequest(current, headers);
                response = await _client.SendAsync(request, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return ProbeOutcome.Failure($"Get \"{current}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
            }
            catch (HttpRequestException ex)
            {
                return ProbeOutcome.Failure($"Get \"{current}\": {Describe(current, ex)}");
            }

            using (response)
            {
                var code = (int)response.StatusCode;
                if (code is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    if (!string.Equals(next.Host, url.Host, StringComparison.OrdinalIgnoreCase))
                    {
                        // Same as Go's http.ErrUseLastResponse in the kubelet's redirect checker: stop, report the 3xx.
                        var body = await ReadBodyAsync(response, cts.Token).ConfigureAwait(false);
                        return new ProbeOutcome(ProbeStatus.Warning, $"Probe terminated redirects, Response body: {body}");
                    }

                    if (hops + 1 >= MaxRedirects)
                    {
                        return ProbeOutcome.Failure($"Get \"{next}\": stopped after {MaxRedirects} redirects");
                    }

                    current = next;
                    continue;
                }

                string text;
                try
                {
                    text = await ReadBodyAsync(response, cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return ProbeOutcome.Failure($"Get \"{current}\": context deadline exceeded (Client.Timeout exceeded while reading body)");
                }

                if (code is >= 200 and < 400)
                {
                    return code >= 300
                        ? new ProbeOutcome(ProbeStatus.Warning, $"Probe terminated redirects, Response body: {text}")
                        : ProbeOutcome.Success(text);
                }

                return ProbeOutcome.Failure($"HTTP probe failed with statuscode: {code}");
            }
        }
    }

    /// <summary>
    /// The URL the kubelet probes: <c>scheme://host:port/path</c>, a path without a leading '/' getting one, and an
    /// IPv6 host bracketed.
    /// </summary>
    public static Uri BuildUrl(string scheme, string host, int port, string? path)
    {
        path = string.IsNullOrEmpty(path) ? "/" : path.StartsWith('/') ? path : "/" + path;
        var h = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
        return new Uri($"{scheme.ToLowerInvariant()}://{h}:{port}{path}");
    }

    public void Dispose() => _client.Dispose();

    private static HttpRequestMessage NewRequest(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = HttpVersion.Version11 };
        request.Headers.ConnectionClose = true;
        var hasAgent = false;
        var hasAccept = false;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
                continue;
            }

            hasAgent |= name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase);
            hasAccept |= name.Equals("Accept", StringComparison.OrdinalIgnoreCase);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (!hasAgent)
        {
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("kube-probe", "1.33"));
        }

        if (!hasAccept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        }

        return request;
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxBodyLength];
            var total = 0;
            while (total < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
    }

    // Go's net error text for the common cases, so events read like the kubelet's.
    private static string Describe(Uri url, HttpRequestException ex)
    {
        var addr = $"{url.Host}:{url.Port}";
        return ex.InnerException switch
        {
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => $"dial tcp {addr}: connect: connection refused",
            SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable } => $"dial tcp {addr}: connect: no route to host",
            SocketException s => $"dial tcp {addr}: {s.Message}",
            _ => ex.Message,
        };
    }
}
