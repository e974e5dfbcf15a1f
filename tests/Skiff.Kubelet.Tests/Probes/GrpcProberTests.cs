using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Skiff.Kubelet.Probes;
using Skiff.Kubelet.Probes.Health;

namespace Skiff.Kubelet.Tests.Probes;

/// <summary>
/// The grpc prober against a real HTTP/2 (h2c) server on 127.0.0.1 that speaks the gRPC wire format of
/// grpc.health.v1.Health/Check by hand: a length-prefixed protobuf message and grpc-status trailers.
/// </summary>
public sealed class GrpcProberTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private readonly GrpcProber _prober = new(TimeProvider.System);

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Handle, HttpProtocols.Http2);

    public async Task DisposeAsync()
    {
        _prober.Dispose();
        await _server.DisposeAsync();
    }

    private static async Task Handle(HttpContext ctx)
    {
        if (ctx.Request.Path != "/grpc.health.v1.Health/Check")
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        var frame = body.ToArray();
        var request = HealthCheckRequest.Parser.ParseFrom(frame.AsSpan(5, (int)BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1, 4))));
        ctx.Response.ContentType = "application/grpc";
        if (request.Service == "unimplemented")
        {
            ctx.Response.AppendTrailer("grpc-status", "12");
            ctx.Response.AppendTrailer("grpc-message", "unknown service grpc.health.v1.Health");
            return;
        }

        if (request.Service == "slow")
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
        }

        var status = request.Service switch
        {
            "" => HealthCheckResponse.Types.ServingStatus.Serving,
            "db" => HealthCheckResponse.Types.ServingStatus.NotServing,
            _ => HealthCheckResponse.Types.ServingStatus.ServiceUnknown,
        };
        var agent = ctx.Request.Headers.UserAgent.ToString();
        if (!agent.StartsWith("kube-probe/1.33", StringComparison.Ordinal))
        {
            status = HealthCheckResponse.Types.ServingStatus.Unknown;
        }

        var payload = new HealthCheckResponse { Status = status }.ToByteArray();
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)payload.Length);
        await ctx.Response.Body.WriteAsync(header);
        await ctx.Response.Body.WriteAsync(payload);
        ctx.Response.AppendTrailer("grpc-status", "0");
    }

    [Theory]
    [InlineData("", "Success", "service healthy")]
    [InlineData("db", "Failure", "service unhealthy (responded with \"NOT_SERVING\")")]
    [InlineData("other", "Failure", "service unhealthy (responded with \"SERVICE_UNKNOWN\")")]
    [InlineData("unimplemented", "Failure", "server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health")]
    public async Task Health_check_results_map_to_kubelet_outcomes(string service, string statusName, string output)
    {
        var status = Enum.Parse<ProbeStatus>(statusName);
        var result = await _prober.ProbeAsync("127.0.0.1", _server.Port, service, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(new ProbeOutcome(status, output), result);
    }

    [Fact]
    public async Task Timeout_fails_with_kubelet_message()
    {
        var result = await _prober.ProbeAsync("127.0.0.1", _server.Port, "slow", TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(ProbeOutcome.Failure("timeout: health rpc did not complete within 1s"), result);
    }

    [Fact]
    public async Task Connection_refused_fails_with_connect_message()
    {
        var port = TcpProberTests.UnusedPort();
        var result = await _prober.ProbeAsync("127.0.0.1", port, null, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(ProbeOutcome.Failure($"error: failed to connect service at \"127.0.0.1:{port}\": dial tcp 127.0.0.1:{port}: connect: connection refused"), result);
    }
}
