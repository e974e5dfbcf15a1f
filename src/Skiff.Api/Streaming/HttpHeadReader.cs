using System.Text;

namespace Skiff.Api.Streaming;

/// <summary>
/// Reads CRLF-terminated lines of an HTTP/1.1 head from a stream with its own buffer, and hands out the rest of the
/// stream (the bytes it read ahead first) once the head is consumed.
/// </summary>
internal sealed class HttpHeadReader(Stream inner)
{
    private const int MaxLine = 16 * 1024;
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    /// <summary>The next line without its CRLF, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            for (var i = _start; i < _end; i++)
            {
                if (_buffer[i] == (byte)'\n')
                {
                    line.Append(Encoding.Latin1.GetString(_buffer, _start, i - _start));
                    _start = i + 1;
                    return line.ToString().TrimEnd('\r');
                }
            }

            line.Append(Encoding.Latin1.GetString(_buffer, _start, _end - _start));
            if (line.Length > MaxLine)
            {
                throw new IOException("HTTP header line too long");
            }

            _start = _end = 0;
            var read = await inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return line.Length > 0 ? line.ToString() : null;
            }

            _end = read;
        }
    }

    public async Task ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, buffered).CopyTo(destination);
        _start += buffered;
        if (buffered < destination.Length)
        {
            await inner.ReadExactlyAsync(destination[buffered..], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The stream from the current position on: buffered bytes first, then the inner stream.</summary>
    public Stream Rest() => new PrefixedStream(_buffer.AsMemory(_start, _end - _start).ToArray(), inner);
}
