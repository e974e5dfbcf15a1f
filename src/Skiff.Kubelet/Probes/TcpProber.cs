using System.Net.Sockets;

namespace Skiff.Kubelet.Probes;

/// <summary>The tcpSocket prober: success when a TCP connection to host:port opens within the timeout; the connection is closed at once.</summary>
internal sealed class TcpProber(TimeProvider time)
{
    public async Task<ProbeOutcome> ProbeAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var addr = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        using var deadline = new CancellationTokenSource(timeout, time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var client = new TcpClient(host.Contains(':', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        try
        {
            await client.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            return ProbeOutcome.Success();
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Failure($"dial tcp {addr}: i/o timeout");
        }
        catch (SocketException ex)
        {
            return ProbeOutcome.Failure(ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"dial tcp {addr}: connect: connection refused",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"dial tcp {addr}: connect: no route to host",
                _ => $"dial tcp {addr}: {ex.Message}",
            });
        }
    }
}
