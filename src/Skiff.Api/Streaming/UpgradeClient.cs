using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Skiff.Api.Streaming;

/// <summary>
/// Sends one HTTP/1.1 request that asks to upgrade the connection (SPDY/3.1 or WebSocket) and reads the answer's
/// head, leaving the connection open for the upgraded protocol: what kube-apiserver's upgrade-aware proxy and the
/// kubelet's stream proxy do before they copy bytes both ways. A raw client rather than HttpClient, so that every
/// request header (X-Stream-Protocol-Version may repeat) and the exact response head reach the other side.
/// </summary>
public static class UpgradeClient
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Connects to <paramref name="url"/> (https with <paramref name="tls"/>), sends the request and returns the response head and connection.</summary>
    public static async Task<UpgradeResponse> SendAsync(Uri url, string method, IEnumerable<KeyValuePair<string, string>> headers, SslClientAuthenticationOptions? tls, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        Stream stream;
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(ConnectTimeout);
                await client.ConnectAsync(url.Host.Trim('[', ']'), url.Port, connect.Token).ConfigureAwait(false);
            }

            stream = client.GetStream();
            if (url.Scheme == Uri.UriSchemeHttps)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var options = tls ?? new SslClientAuthenticationOptions();
                options.TargetHost ??= url.Host.Trim('[', ']');
                options.ApplicationProtocols = [SslApplicationProtocol.Http11];
                await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
                stream = ssl;
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        try
        {
            var head = new StringBuilder();
            head.Append(method).Append(' ').Append(url.PathAndQuery).Append(" HTTP/1.1\r\n");
            head.Append("Host: ").Append(url.Authority).Append("\r\n");
            foreach (var (name, value) in headers)
            {
                if (name.IndexOfAny(['\r', '\n', ':']) >= 0 || value.IndexOfAny(['\r', '\n']) >= 0)
                {
                    throw new ArgumentException($"invalid header {name}");
                }

                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            head.Append("\r\n");
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            var reader = new HttpHeadReader(stream);
            var status = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"{url.Authority} closed the connection without an answer");
            var parts = status.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var code))
            {
                throw new IOException($"malformed HTTP status line from {url.Authority}: {status}");
            }

            var received = new List<KeyValuePair<string, string>>();
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } line)
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                {
                    received.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
                }
            }

            return new UpgradeResponse(code, parts.Length > 2 ? parts[2] : string.Empty, received, reader.Rest());
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            client.Dispose();
            throw;
        }
    }
}
