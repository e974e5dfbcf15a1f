using System.Collections.Concurrent;

namespace Skiff.ApiServer.Streaming;

/// <summary>
/// The client end of a SPDY/3.1 connection as Kubernetes' streaming protocols use it (client-go's spdystream role):
/// opens streams with SYN_STREAM and waits for the SYN_REPLY before writing (a Go spdystream peer drops data on a
/// stream it has not replied to yet), writes DATA, half-closes with FIN, answers the peer's PINGs, and reads frames
/// until the connection ends, handing stream data to the caller in order. No flow-control windows are enforced,
/// like spdystream, which neither sends nor honours WINDOW_UPDATE. Header blocks the peer sends are skipped (their
/// values carry nothing the streaming protocols need). Writes are serialized; reading happens in <see cref="RunAsync"/>.
/// </summary>
internal sealed class SpdyClientConnection(Stream stream) : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly SpdyHeaderBlock _headers = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource> _replies = new();
    private uint _nextStreamId = 1;
    private int _disposed;

    /// <summary>
    /// Sends SYN_STREAM with <paramref name="headers"/> and waits until the peer accepts the stream; returns its id.
    /// <paramref name="assigned"/> learns the id before the frame is sent, so data arriving right after the reply finds its stream.
    /// </summary>
    public async Task<uint> OpenStreamAsync(IReadOnlyList<KeyValuePair<string, string>> headers, Action<uint>? assigned, CancellationToken cancellationToken)
    {
        var replied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        uint id;
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            id = _nextStreamId;
            _nextStreamId += 2;
            _replies[id] = replied;
            assigned?.Invoke(id);
            await WriteUnlockedAsync(SpdyFrame.SynStream(id, _headers.Compress(headers), fin: false), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }

        await replied.Task.WaitAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>Writes data on a stream (split into frames of at most 32 KiB); FIN with empty data half-closes it.</summary>
    public async Task WriteAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken cancellationToken)
    {
        const int chunk = 32 * 1024;
        do
        {
            var part = data[..Math.Min(chunk, data.Length)];
            data = data[part.Length..];
            await WriteFrameAsync(SpdyFrame.Data(streamId, part, fin && data.IsEmpty), cancellationToken).ConfigureAwait(false);
        }
        while (!data.IsEmpty);
    }

    public async Task WriteFrameAsync(SpdyFrame frame, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteUnlockedAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task WriteUnlockedAsync(SpdyFrame frame, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(frame.Encode(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads frames until the peer closes the connection or sends GOAWAY: DATA goes to <paramref name="onData"/>
    /// (stream id, bytes, FIN), in the order received; a RST_STREAM ends the stream as FIN does.
    /// </summary>
    public async Task RunAsync(Func<uint, ReadOnlyMemory<byte>, bool, Task> onData, CancellationToken cancellationToken)
    {
        try
        {
            while (await SpdyFrame.ReadAsync(stream, cancellationToken).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case SpdyFrameType.Data:
                        await onData(frame.StreamId, frame.Payload, frame.Fin).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.SynReply:
                        if (_replies.TryRemove(frame.StreamId, out var replied))
                        {
                            replied.TrySetResult();
                        }

                        if (frame.Fin)
                        {
                            await onData(frame.StreamId, ReadOnlyMemory<byte>.Empty, true).ConfigureAwait(false);
                        }

                        break;
                    case SpdyFrameType.RstStream:
                        if (_replies.TryRemove(frame.StreamId, out var refused))
                        {
                            refused.TrySetException(new IOException($"the peer refused SPDY stream {frame.StreamId}"));
                        }

                        await onData(frame.StreamId, ReadOnlyMemory<byte>.Empty, true).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.Ping when frame.Payload.Length == 4 && (frame.Payload.Span[3] & 1) == 0:
                        // Even ids are the server's pings: echo them, as spdystream does.
                        await WriteFrameAsync(frame, cancellationToken).ConfigureAwait(false);
                        break;
                    case SpdyFrameType.GoAway:
                        return;
                    default:
                        // HEADERS, SETTINGS, WINDOW_UPDATE and our own PING answers need no action.
                        break;
                }
            }
        }
        finally
        {
            foreach (var pending in _replies.Values)
            {
                pending.TrySetException(new IOException("the SPDY connection closed"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            _headers.Dispose();
        }
    }
}
