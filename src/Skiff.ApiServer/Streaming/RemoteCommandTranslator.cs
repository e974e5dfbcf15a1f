using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace Skiff.ApiServer.Streaming;

/// <summary>
/// Bridges a client's WebSocket speaking <c>v5.channel.k8s.io</c> to a SPDY connection speaking remotecommand
/// <c>v4.channel.k8s.io</c> towards the kubelet, as kube-apiserver's StreamTranslatorProxy does. Each binary message
/// starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 error (the Status JSON with the exit code), 4 resize;
/// channel 255 closes a stream (<c>[255, 0]</c> is stdin EOF, which becomes a SPDY FIN). The session ends when the
/// kubelet side ends (then the WebSocket is closed normally) or the client goes away (then the SPDY connection is
/// closed, which ends the process's stdin on the node).
/// </summary>
internal static class RemoteCommandTranslator
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    public const byte StdinChannel = 0;
    public const byte StdoutChannel = 1;
    public const byte StderrChannel = 2;
    public const byte ErrorChannel = 3;
    public const byte ResizeChannel = 4;
    public const byte CloseChannel = 255;

    /// <summary>The SPDY streams (by streamType header) a v4 session opens, in client-go's order, with their v5 channels.</summary>
    public static IReadOnlyList<(string StreamType, byte Channel)> StreamsFor(RemoteCommandStreams streams)
    {
        var list = new List<(string, byte)> { ("error", ErrorChannel) };
        if (streams.Stdin)
        {
            list.Add(("stdin", StdinChannel));
        }

        if (streams.Stdout)
        {
            list.Add(("stdout", StdoutChannel));
        }

        if (streams.Stderr && !streams.Tty)
        {
            list.Add(("stderr", StderrChannel));
        }

        if (streams.Tty)
        {
            list.Add(("resize", ResizeChannel));
        }

        return list;
    }

    /// <summary>A v5 message: the channel byte, then the data.</summary>
    public static byte[] Frame(byte channel, ReadOnlySpan<byte> data)
    {
        var message = new byte[data.Length + 1];
        message[0] = channel;
        data.CopyTo(message.AsSpan(1));
        return message;
    }

    public static async Task RunAsync(WebSocket socket, SpdyClientConnection spdy, RemoteCommandStreams streams, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channels = new ConcurrentDictionary<uint, byte>();
        var send = new SemaphoreSlim(1, 1);
        async Task SendAsync(byte[] message)
        {
            await send.WaitAsync(session.Token).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(message, WebSocketMessageType.Binary, true, session.Token).ConfigureAwait(false);
            }
            finally
            {
                send.Release();
            }
        }

        var reading = spdy.RunAsync(async (id, data, fin) =>
        {
            if (!data.IsEmpty && channels.TryGetValue(id, out var channel) && channel is StdoutChannel or StderrChannel or ErrorChannel)
            {
                await SendAsync(Frame(channel, data.Span)).ConfigureAwait(false);
            }
        }, session.Token);

        var ids = new Dictionary<byte, uint>();
        try
        {
            foreach (var (type, channel) in StreamsFor(streams))
            {
                ids[channel] = await spdy.OpenStreamAsync([new("streamtype", type)], id => channels[id] = channel, session.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException)
        {
            await CloseAsync(socket, WebSocketCloseStatus.InternalServerError, "the node did not open the session's streams").ConfigureAwait(false);
            await spdy.DisposeAsync().ConfigureAwait(false);
            await IgnoreAsync(reading).ConfigureAwait(false);
            return;
        }

        var pumping = PumpClientAsync(socket, spdy, ids, session.Token);
        await Task.WhenAny(reading, pumping).ConfigureAwait(false);
        if (reading.IsCompleted)
        {
            // The command ended: every output frame has been sent; say goodbye like kube-apiserver (normal closure).
            await send.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, string.Empty).ConfigureAwait(false);
            send.Release();
        }

        await session.CancelAsync().ConfigureAwait(false);
        await spdy.DisposeAsync().ConfigureAwait(false);
        socket.Abort();
        await IgnoreAsync(reading).ConfigureAwait(false);
        await IgnoreAsync(pumping).ConfigureAwait(false);
    }

    private static async Task PumpClientAsync(WebSocket socket, SpdyClientConnection spdy, Dictionary<byte, uint> ids, CancellationToken cancellationToken)
    {
        while (await WebSocketHandshake.ReceiveAsync(socket, cancellationToken).ConfigureAwait(false) is { } message)
        {
            var data = message.Data;
            if (data.Length == 0)
            {
                continue;
            }

            var channel = data[0];
            if (channel == CloseChannel)
            {
                if (data.Length > 1 && ids.TryGetValue(data[1], out var closed) && data[1] is StdinChannel)
                {
                    await spdy.WriteAsync(closed, ReadOnlyMemory<byte>.Empty, fin: true, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (channel is StdinChannel or ResizeChannel && ids.TryGetValue(channel, out var id) && data.Length > 1)
            {
                await spdy.WriteAsync(id, data.AsMemory(1), fin: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task IgnoreAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException or EndOfStreamException)
        {
        }
    }
}
