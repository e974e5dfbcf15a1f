using System.Buffers.Binary;

namespace Skiff.Api.Protobuf;

/// <summary>
/// A forward-only reader of protobuf wire data. Every read checks bounds and throws
/// <see cref="ProtobufFormatException"/> on truncated or malformed input, as gogo protobuf's generated
/// Unmarshal does (io.ErrUnexpectedEOF, ErrIntOverflow, ErrInvalidLength).
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    // Groups are deprecated and never produced by Kubernetes, but a skipped unknown field may be one;
    // the bound keeps a hostile body from recursing without limit.
    private const int MaxGroupDepth = 64;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    public readonly int Position => _position;

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new ProtobufFormatException($"protobuf: truncated varint at offset {_position}");
            }

            var b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw new ProtobufFormatException($"protobuf: varint overflows 64 bits at offset {_position - 1}");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new ProtobufFormatException($"protobuf: varint overflows 64 bits at offset {_position - 1}");
    }

    /// <summary>Reads a tag; the field number is at least 1, as gogo protobuf requires.</summary>
    public (int Number, WireType WireType) ReadTag()
    {
        var start = _position;
        var tag = ReadVarint();
        var number = tag >> 3;
        if (number == 0 || number > int.MaxValue)
        {
            throw new ProtobufFormatException($"protobuf: illegal field number {number} at offset {start}");
        }

        var wireType = (WireType)(tag & 7);
        if (wireType > WireType.Fixed32)
        {
            throw new ProtobufFormatException($"protobuf: illegal wire type {(int)wireType} at offset {start}");
        }

        return ((int)number, wireType);
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var start = _position;
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new ProtobufFormatException($"protobuf: length {length} at offset {start} runs past the end of the data");
        }

        var value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    public ulong ReadFixed64()
    {
        if (_data.Length - _position < 8)
        {
            throw new ProtobufFormatException($"protobuf: truncated fixed64 at offset {_position}");
        }

        var value = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public uint ReadFixed32()
    {
        if (_data.Length - _position < 4)
        {
            throw new ProtobufFormatException($"protobuf: truncated fixed32 at offset {_position}");
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>Reads a numeric value of any non-length-delimited wire type as its raw 64 bits.</summary>
    public ulong ReadNumericBits(WireType wireType) => wireType switch
    {
        WireType.Varint => ReadVarint(),
        WireType.Fixed64 => ReadFixed64(),
        WireType.Fixed32 => ReadFixed32(),
        _ => throw new ProtobufFormatException($"protobuf: wire type {(int)wireType} is not numeric at offset {_position}"),
    };

    /// <summary>Skips the value of a field whose tag was just read.</summary>
    public void Skip(int number, WireType wireType) => Skip(number, wireType, 0);

    private void Skip(int number, WireType wireType, int depth)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                ReadFixed64();
                break;
            case WireType.Fixed32:
                ReadFixed32();
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.StartGroup:
                if (depth >= MaxGroupDepth)
                {
                    throw new ProtobufFormatException("protobuf: groups nested too deeply");
                }

                while (true)
                {
                    if (End)
                    {
                        throw new ProtobufFormatException($"protobuf: unterminated group {number}");
                    }

                    var (n, w) = ReadTag();
                    if (w == WireType.EndGroup)
                    {
                        if (n != number)
                        {
                            throw new ProtobufFormatException($"protobuf: group {number} ended by end-group {n}");
                        }

                        return;
                    }

                    Skip(n, w, depth + 1);
                }

            default:
                throw new ProtobufFormatException($"protobuf: unexpected end-group {number} at offset {_position}");
        }
    }
}
