namespace Skiff.Api.Streaming;

/// <summary>
/// The answer to an HTTP/1.1 upgrade request: the status line and headers, and the connection itself. After a 101
/// <see cref="Stream"/> carries the upgraded protocol (SPDY, WebSocket); otherwise it holds the response body.
/// Disposing closes the connection.
/// </summary>
public sealed class UpgradeResponse : IAsyncDisposable
{
    internal UpgradeResponse(int statusCode, string reason, IReadOnlyList<KeyValuePair<string, string>> headers, Stream stream)
    {
        StatusCode = statusCode;
        Reason = reason;
        Headers = headers;
        Stream = stream;
    }

    public int StatusCode { get; }

    public string Reason { get; }

    /// <summary>Response headers in the order received (a name may repeat).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The connection, starting right after the response head (bytes read ahead are replayed first).</summary>
    public Stream Stream { get; }

    public bool Upgraded => StatusCode == 101;

    /// <summary>The first value of a header, or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Reads the body of a non-101 answer (Content-Length, chunked or until close), at most <paramref name="limit"/> bytes.</summary>
    public async Task<string> ReadBodyAsync(int limit, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunked = Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
        if (chunked)
        {
            var reader = new HttpHeadReader(Stream);
            while (buffer.Length < limit)
            {
                var sizeLine = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (sizeLine is null || !int.TryParse(sizeLine.Split(';')[0].Trim(), System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
                {
                    break;
                }

                var chunk = new byte[size];
                await reader.ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
                buffer.Write(chunk);
                await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            var length = long.TryParse(Header("Content-Length"), out var l) ? Math.Min(l, limit) : limit;
            var chunk = new byte[8192];
            while (buffer.Length < length)
            {
                var read = await Stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - buffer.Length)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)Math.Min(buffer.Length, limit));
    }

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
