using System.Net;
using System.Net.Sockets;
using System.Text;
using Skiff.Api.Streaming;

namespace Skiff.Api.Tests.Streaming;

public sealed class UpgradeClientTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAsync_101_ReturnsHeadersAndTheBytesThatFollowTheHead()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var peer = await listener.AcceptTcpClientAsync();
            var stream = peer.GetStream();
            var head = await ReadHeadAsync(stream);
            // The head and the first upgraded bytes in one write, as a real server may send them.
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nFRAMES"));
            var more = new byte[4];
            await stream.ReadExactlyAsync(more);
            return head + "|" + Encoding.ASCII.GetString(more);
        });

        await using var response = await UpgradeClient.SendAsync(new Uri($"http://127.0.0.1:{port}/exec/ns/pod/c?command=ls"), "POST",
            [new("Upgrade", "SPDY/3.1"), new("X-Stream-Protocol-Version", "v4.channel.k8s.io"), new("X-Stream-Protocol-Version", "v3.channel.k8s.io"), new("Connection", "Upgrade")],
            null, CancellationToken.None).WaitAsync(Deadline);
        Assert.True(response.Upgraded);
        Assert.Equal("v4.channel.k8s.io", response.Header("x-stream-protocol-version"));
        var first = new byte[6];
        await response.Stream.ReadExactlyAsync(first);
        Assert.Equal("FRAMES", Encoding.ASCII.GetString(first));
        await response.Stream.WriteAsync("ping"u8.ToArray());

        var seen = await server.WaitAsync(Deadline);
        Assert.StartsWith("POST /exec/ns/pod/c?command=ls HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n", seen);
        Assert.Contains("X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: v3.channel.k8s.io\r\n", seen);
        Assert.EndsWith("|ping", seen);
    }

    [Fact]
    public async Task SendAsync_Refusal_ReadsAChunkedBody()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var peer = await listener.AcceptTcpClientAsync();
            var stream = peer.GetStream();
            await ReadHeadAsync(stream);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ncontainer\r\nE\r\n not found (x)\r\n0\r\n\r\n"));
        });

        await using var response = await UpgradeClient.SendAsync(new Uri($"http://127.0.0.1:{port}/exec/a/b/c"), "GET", [], null, CancellationToken.None).WaitAsync(Deadline);
        Assert.False(response.Upgraded);
        Assert.Equal(404, response.StatusCode);
        Assert.Equal("container not found (x)", await response.ReadBodyAsync(1024, CancellationToken.None).WaitAsync(Deadline));
        await server.WaitAsync(Deadline);
    }

    [Fact]
    public void Request_DropsHopByHopAndCredentials_AndAsksForTheUpgrade()
    {
        var headers = UpgradeHeaders.Request([new("Authorization", "Bearer x"), new("Host", "h"), new("Connection", "keep-alive, Upgrade"), new("Upgrade", "SPDY/3.1"),
            new("Impersonate-User", "eve"), new("X-Stream-Protocol-Version", "v4.channel.k8s.io")]);
        Assert.Equal([new("Upgrade", "SPDY/3.1"), new("X-Stream-Protocol-Version", "v4.channel.k8s.io"), new("Connection", "Upgrade")], headers);
    }

    [Fact]
    public async Task Relay_ClosingOneSide_ClosesTheOther()
    {
        var (a, aPeer) = await PairAsync();
        var (b, bPeer) = await PairAsync();
        var relay = StreamRelay.RunAsync(aPeer, bPeer, CancellationToken.None);
        await a.WriteAsync("hi"u8.ToArray());
        var got = new byte[2];
        await b.ReadExactlyAsync(got).AsTask().WaitAsync(Deadline);
        Assert.Equal("hi", Encoding.ASCII.GetString(got));

        a.Dispose();
        await relay.WaitAsync(Deadline);
        Assert.Equal(0, await b.ReadAsync(new byte[1]).AsTask().WaitAsync(Deadline));
    }

    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one);
            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    private static async Task<(Stream, Stream)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return (client.GetStream(), (await accept).GetStream());
    }
}
