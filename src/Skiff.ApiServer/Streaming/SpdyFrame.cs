using System.Buffers.Binary;

namespace Skiff.ApiServer.Streaming;

/// <summary>
/// One SPDY/3.1 frame: a control frame (C bit set: version 3, type, flags, 24-bit length) or a data frame (stream id,
/// flags, 24-bit length), with its payload. <see cref="StreamId"/> is the id a control frame concerns (0 for SETTINGS,
/// PING and GOAWAY). Header blocks inside the payload stay compressed; <see cref="SpdyHeaderBlock"/> builds them.
/// </summary>
internal sealed record SpdyFrame(SpdyFrameType Type, byte Flags, uint StreamId, ReadOnlyMemory<byte> Payload)
{
    public const ushort Version = 3;
    public const byte FlagFin = 0x01;
    public const byte FlagUnidirectional = 0x02;
    public const int HeaderLength = 8;
    public const int MaxLength = (1 << 24) - 1;

    public bool Fin => (Flags & FlagFin) != 0;

    /// <summary>A DATA frame; an empty one with FIN half-closes the stream.</summary>
    public static SpdyFrame Data(uint streamId, ReadOnlyMemory<byte> data, bool fin) => new(SpdyFrameType.Data, fin ? FlagFin : (byte)0, streamId, data);

    /// <summary>SYN_STREAM opening <paramref name="streamId"/> (priority 0, no associated stream) with a compressed header block.</summary>
    public static SpdyFrame SynStream(uint streamId, ReadOnlyMemory<byte> compressedHeaders, bool fin)
    {
        var payload = new byte[10 + compressedHeaders.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7fffffff);
        compressedHeaders.CopyTo(payload.AsMemory(10));
        return new SpdyFrame(SpdyFrameType.SynStream, fin ? FlagFin : (byte)0, streamId, payload);
    }

    public static SpdyFrame RstStream(uint streamId, uint status)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7fffffff);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), status);
        return new SpdyFrame(SpdyFrameType.RstStream, 0, streamId, payload);
    }

    public static SpdyFrame Ping(uint id)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, id);
        return new SpdyFrame(SpdyFrameType.Ping, 0, 0, payload);
    }

    public static SpdyFrame GoAway(uint lastGoodStreamId, uint status)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, lastGoodStreamId & 0x7fffffff);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), status);
        return new SpdyFrame(SpdyFrameType.GoAway, 0, 0, payload);
    }

    /// <summary>The frame as bytes on the wire.</summary>
    public byte[] Encode()
    {
        if (Payload.Length > MaxLength)
        {
            throw new ArgumentException($"SPDY frame payload of {Payload.Length} bytes exceeds {MaxLength}");
        }

        var bytes = new byte[HeaderLength + Payload.Length];
        if (Type == SpdyFrameType.Data)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, StreamId & 0x7fffffff);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes, 0x8000 | Version);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)Type);
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), ((uint)Flags << 24) | (uint)Payload.Length);
        Payload.CopyTo(bytes.AsMemory(HeaderLength));
        return bytes;
    }

    /// <summary>Reads the next frame; null at a clean end of stream (between frames).</summary>
    public static async Task<SpdyFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[HeaderLength];
        var got = 0;
        while (got < HeaderLength)
        {
            var read = await stream.ReadAsync(head.AsMemory(got), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (got == 0)
                {
                    return null;
                }

                throw new EndOfStreamException("SPDY connection closed inside a frame header");
            }

            got += read;
        }

        var word = BinaryPrimitives.ReadUInt32BigEndian(head);
        var flagsAndLength = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4));
        var flags = (byte)(flagsAndLength >> 24);
        var length = (int)(flagsAndLength & 0xffffff);
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        if ((word & 0x80000000) == 0)
        {
            return new SpdyFrame(SpdyFrameType.Data, flags, word & 0x7fffffff, payload);
        }

        var version = (ushort)((word >> 16) & 0x7fff);
        if (version != Version)
        {
            throw new InvalidDataException($"unsupported SPDY version {version}");
        }

        var type = (SpdyFrameType)(ushort)(word & 0xffff);
        var streamId = type is SpdyFrameType.SynStream or SpdyFrameType.SynReply or SpdyFrameType.RstStream or SpdyFrameType.Headers or SpdyFrameType.WindowUpdate && length >= 4
            ? BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff
            : 0;
        return new SpdyFrame(type, flags, streamId, payload);
    }
}
