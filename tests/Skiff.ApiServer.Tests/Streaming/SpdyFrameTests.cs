using System.IO.Compression;
using Skiff.ApiServer.Streaming;

namespace Skiff.ApiServer.Tests.Streaming;

public sealed class SpdyFrameTests
{
    [Fact]
    public void Encode_DataFrame_HasStreamIdFlagsAndLength()
    {
        var bytes = SpdyFrame.Data(5, "abc"u8.ToArray(), fin: true).Encode();
        Assert.Equal(new byte[] { 0, 0, 0, 5, 1, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c' }, bytes);
    }

    [Fact]
    public void Encode_SynStream_IsAControlFrameOfVersion3WithTheStreamId()
    {
        var bytes = SpdyFrame.SynStream(3, new byte[] { 9, 9 }, fin: false).Encode();
        Assert.Equal(new byte[] { 0x80, 3, 0, 1, 0, 0, 0, 12, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 9, 9 }, bytes);
    }

    [Fact]
    public async Task ReadAsync_RoundTripsFrames_AndReturnsNullAtACleanEnd()
    {
        var wire = new MemoryStream();
        wire.Write(SpdyFrame.SynStream(1, new byte[] { 1, 2 }, fin: false).Encode());
        wire.Write(SpdyFrame.Data(1, "payload"u8.ToArray(), fin: true).Encode());
        wire.Write(SpdyFrame.RstStream(7, 5).Encode());
        wire.Write(SpdyFrame.Ping(2).Encode());
        wire.Position = 0;

        var syn = await SpdyFrame.ReadAsync(wire, CancellationToken.None);
        Assert.Equal((SpdyFrameType.SynStream, 1u, false), (syn!.Type, syn.StreamId, syn.Fin));
        var data = await SpdyFrame.ReadAsync(wire, CancellationToken.None);
        Assert.Equal((SpdyFrameType.Data, 1u, true, "payload"), (data!.Type, data.StreamId, data.Fin, System.Text.Encoding.ASCII.GetString(data.Payload.Span)));
        var rst = await SpdyFrame.ReadAsync(wire, CancellationToken.None);
        Assert.Equal((SpdyFrameType.RstStream, 7u), (rst!.Type, rst.StreamId));
        var ping = await SpdyFrame.ReadAsync(wire, CancellationToken.None);
        Assert.Equal((SpdyFrameType.Ping, 0u), (ping!.Type, ping.StreamId));
        Assert.Null(await SpdyFrame.ReadAsync(wire, CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_TruncatedFrame_Throws()
    {
        var wire = new MemoryStream(SpdyFrame.Data(1, "abcdef"u8.ToArray(), fin: false).Encode()[..9]);
        await Assert.ThrowsAsync<EndOfStreamException>(() => SpdyFrame.ReadAsync(wire, CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_OtherSpdyVersion_IsRejected()
    {
        var bytes = SpdyFrame.Ping(1).Encode();
        bytes[1] = 2;
        await Assert.ThrowsAsync<InvalidDataException>(() => SpdyFrame.ReadAsync(new MemoryStream(bytes), CancellationToken.None));
    }

    [Fact]
    public void HeaderBlock_SerializesLowerCaseNamesAndJoinsRepeatedValues()
    {
        var block = SpdyHeaderBlock.Serialize([new("streamType", "data"), new("Port", "80"), new("port", "81")]);
        var parsed = SpdyHeaderBlock.Parse(block);
        Assert.Equal([new("streamtype", "data"), new("port", "80"), new("port", "81")], parsed);
        Assert.Equal(2, block[3]); // two names
    }

    [Fact]
    public void HeaderBlocks_ShareOneZlibStream_EachBlockSyncFlushed()
    {
        using var headers = new SpdyHeaderBlock();
        var first = headers.Compress([new("streamtype", "error")]);
        var second = headers.Compress([new("streamtype", "stdout")]);

        // A reader of the connection's header stream gets each block whole as soon as its frame arrived: the
        // second block alone is not a zlib stream (no header), so both must be read as one stream.
        Assert.Equal(0x78, first[0]);
        Assert.NotEqual(0x78, second[0]);
        using var zlib = new ZLibStream(new MemoryStream([.. first, .. second]), CompressionMode.Decompress);
        var expectedFirst = SpdyHeaderBlock.Serialize([new("streamtype", "error")]);
        var expectedSecond = SpdyHeaderBlock.Serialize([new("streamtype", "stdout")]);
        var decoded = new byte[expectedFirst.Length + expectedSecond.Length];
        zlib.ReadExactly(decoded);
        Assert.Equal([.. expectedFirst, .. expectedSecond], decoded);

        using var firstOnly = new ZLibStream(new MemoryStream(first), CompressionMode.Decompress);
        var alone = new byte[expectedFirst.Length];
        firstOnly.ReadExactly(alone);
        Assert.Equal(expectedFirst, alone);
    }
}
