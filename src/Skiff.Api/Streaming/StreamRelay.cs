namespace Skiff.Api.Streaming;

/// <summary>
/// Copies bytes both ways between two connections until either side ends or fails, then closes both, so a dropped
/// client tears down the session behind it (kube-apiserver's upgrade-aware proxy ends the same way).
/// </summary>
public static class StreamRelay
{
    public static async Task RunAsync(Stream a, Stream b, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ab = CopyAsync(a, b, done.Token);
        var ba = CopyAsync(b, a, done.Token);
        await Task.WhenAny(ab, ba).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        await a.DisposeAsync().ConfigureAwait(false);
        await b.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(ab, ba).ConfigureAwait(false);
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await to.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The other side went away; the caller closes both connections.
        }
    }
}
