using Grpc.Core;
using Grpc.Net.Client;
using Skiff.Kubelet.Probes.Health;

namespace Skiff.Kubelet.Probes;

/// <summary>
/// The grpc prober: calls <c>grpc.health.v1.Health/Check</c> over plaintext HTTP/2 with the probe's service name;
/// <c>SERVING</c> is success, any other status fails with <c>service unhealthy (responded with "NOT_SERVING")</c>, and
/// the kubelet's messages are used for an unimplemented health service, a timeout and a connection failure.
/// </summary>
internal sealed class GrpcProber : IDisposable
{
    private readonly HttpMessageHandler _handler;
    private readonly TimeProvider _time;

    public GrpcProber(TimeProvider time)
    {
        _time = time;
        _handler = new UserAgentHandler(new SocketsHttpHandler
        {
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = TimeSpan.Zero,
        });
    }

    public async Task<ProbeOutcome> ProbeAsync(string host, int port, string? service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var addr = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        using var channel = GrpcChannel.ForAddress($"http://{addr}", new GrpcChannelOptions { HttpHandler = _handler, DisposeHttpClient = false });
        var client = new Health.Health.HealthClient(channel);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HealthCheckResponse response;
        try
        {
            response = await client.CheckAsync(new HealthCheckRequest { Service = service ?? "" }, cancellationToken: cts.Token).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return ProbeOutcome.Failure($"server does not implement the grpc health protocol (grpc.health.v1.Health): {ex.Status.Detail}");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Failure($"timeout: health rpc did not complete within {Skiff.Api.Printing.GoDuration.Format(timeout)}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Failure($"timeout: health rpc did not complete within {Skiff.Api.Printing.GoDuration.Format(timeout)}");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is { } debug)
        {
            return ProbeOutcome.Failure($"error: failed to connect service at \"{addr}\": {Describe(addr, debug)}");
        }
        catch (RpcException ex)
        {
            return ProbeOutcome.Failure($"error: health rpc probe failed: rpc error: code = {ex.StatusCode} desc = {ex.Status.Detail}");
        }

        if (response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            return ProbeOutcome.Failure($"service unhealthy (responded with \"{StatusName(response.Status)}\")");
        }

        return ProbeOutcome.Success("service healthy");
    }

    public void Dispose() => _handler.Dispose();

    // Go's dial error text for a refused connection, so events read like the kubelet's.
    private static string Describe(string addr, Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            {
                return $"dial tcp {addr}: connect: connection refused";
            }
        }

        return ex.Message;
    }

    // The kubelet's grpc probe identifies itself as kube-probe/<version>, like its HTTP probe.
    private sealed class UserAgentHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.TryAddWithoutValidation("User-Agent", HttpProber.UserAgent);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static string StatusName(HealthCheckResponse.Types.ServingStatus status) => status switch
    {
        HealthCheckResponse.Types.ServingStatus.Serving => "SERVING",
        HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
        HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
        HealthCheckResponse.Types.ServingStatus.Unknown => "UNKNOWN",
        _ => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
