using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Skiff.ApiServer.Streaming;

namespace Skiff.ApiServer.Tests.Streaming;

public sealed class RemoteCommandTranslatorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void StreamsFor_NoTty_OpensErrorStdinStdoutStderrInClientGoOrder()
    {
        var streams = RemoteCommandTranslator.StreamsFor(new RemoteCommandStreams(true, true, true, false));
        Assert.Equal([("error", (byte)3), ("stdin", (byte)0), ("stdout", (byte)1), ("stderr", (byte)2)], streams);
    }

    [Fact]
    public void StreamsFor_Tty_DropsStderrAndAddsResize()
    {
        var streams = RemoteCommandTranslator.StreamsFor(new RemoteCommandStreams(true, true, true, true));
        Assert.Equal([("error", (byte)3), ("stdin", (byte)0), ("stdout", (byte)1), ("resize", (byte)4)], streams);
    }

    [Fact]
    public void Frame_PrefixesTheChannel() =>
        Assert.Equal(new byte[] { 2, (byte)'x' }, RemoteCommandTranslator.Frame(2, "x"u8));

    [Fact]
    public void AcceptKey_MatchesRfc6455Example() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));

    /// <summary>
    /// A v5 client sends stdin and then closes it (channel 255); the SPDY side sees the data and a FIN on the stdin
    /// stream, answers on stdout and with a Status on the error stream, and closes: the client gets both on channels
    /// 1 and 3 and then a normal close.
    /// </summary>
    [Fact]
    public async Task Session_StdinCloseBecomesFin_OutputAndStatusComeBackOnTheirChannels_ThenNormalClose()
    {
        var (clientWs, serverWs) = await PairAsync();
        var (spdyClientSide, nodeSide) = await PairAsync();
        using var client = WebSocket.CreateFromStream(clientWs, new WebSocketCreationOptions { IsServer = false });
        using var server = WebSocket.CreateFromStream(serverWs, new WebSocketCreationOptions { IsServer = true });
        var spdy = new SpdyClientConnection(spdyClientSide);
        var session = RemoteCommandTranslator.RunAsync(server, spdy, new RemoteCommandStreams(Stdin: true, Stdout: true, Stderr: false, Tty: false), CancellationToken.None);

        var node = FakeNodeAsync(nodeSide);
        await client.SendAsync(RemoteCommandTranslator.Frame(0, "hello"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
        await client.SendAsync(new byte[] { 255, 0 }, WebSocketMessageType.Binary, true, CancellationToken.None);

        var received = new List<byte[]>();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Deadline);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Assert.Equal(WebSocketCloseStatus.NormalClosure, result.CloseStatus);
                break;
            }

            received.Add(buffer[..result.Count]);
        }

        Assert.Equal("stdin:hello|fin", await node.WaitAsync(Deadline));
        Assert.Equal([1, .. "HELLO"u8.ToArray()], received[0]);
        Assert.Equal(3, received[1][0]);
        Assert.Contains("NonZeroExitCode", Encoding.UTF8.GetString(received[1], 1, received[1].Length - 1));
        await session.WaitAsync(Deadline);
    }

    /// <summary>The node's side: accepts the three streams (error 1, stdin 3, stdout 5), collects stdin to its FIN, answers, closes.</summary>
    private static async Task<string> FakeNodeAsync(Stream node)
    {
        var opened = new List<uint>();
        var stdin = new StringBuilder();
        while (await SpdyFrame.ReadAsync(node, CancellationToken.None) is { } frame)
        {
            if (frame.Type == SpdyFrameType.SynStream)
            {
                opened.Add(frame.StreamId);
                var reply = new byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(reply, frame.StreamId);
                await node.WriteAsync(new SpdyFrame(SpdyFrameType.SynReply, 0, frame.StreamId, reply).Encode());
            }
            else if (frame.Type == SpdyFrameType.Data && frame.StreamId == 3)
            {
                stdin.Append(Encoding.UTF8.GetString(frame.Payload.Span));
                if (frame.Fin)
                {
                    break;
                }
            }
        }

        Assert.Equal([1u, 3u, 5u], opened);
        await node.WriteAsync(SpdyFrame.Data(5, Encoding.UTF8.GetBytes(stdin.ToString().ToUpperInvariant()), fin: true).Encode());
        var status = """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}""";
        await node.WriteAsync(SpdyFrame.Data(1, Encoding.UTF8.GetBytes(status), fin: true).Encode());
        await node.DisposeAsync();
        return "stdin:" + stdin + "|fin";
    }

    private static async Task<(Stream, Stream)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept;
        return (client.GetStream(), server.GetStream());
    }
}
