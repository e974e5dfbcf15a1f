using System.Net.WebSockets;

namespace Skiff.ApiServer.Streaming;

/// <summary>
/// The port-forward WebSocket tunnel of kubectl 1.31+ (subprotocol <c>SPDY/3.1+portforward.k8s.io</c>): the client
/// runs SPDY inside binary WebSocket messages; the API server unwraps them onto a SPDY-upgraded connection to the
/// kubelet and wraps what comes back, as kube-apiserver's tunneling handler does. No SPDY parsing: bytes in, bytes out.
/// </summary>
internal static class PortForwardTunnel
{
    public const string Protocol = "SPDY/3.1+portforward.k8s.io";
    public const string SpdyProtocol = "portforward.k8s.io";

    public static async Task RunAsync(WebSocket socket, Stream node, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = UpAsync(socket, node, session.Token);
        var down = DownAsync(socket, node, session.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await session.CancelAsync().ConfigureAwait(false);
        await node.DisposeAsync().ConfigureAwait(false);
        socket.Abort();
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task UpAsync(WebSocket socket, Stream node, CancellationToken cancellationToken)
    {
        while (await WebSocketHandshake.ReceiveAsync(socket, cancellationToken).ConfigureAwait(false) is { } message)
        {
            await node.WriteAsync(message.Data, cancellationToken).ConfigureAwait(false);
            await node.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task DownAsync(WebSocket socket, Stream node, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await node.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, timeout.Token).ConfigureAwait(false);
    }
}
