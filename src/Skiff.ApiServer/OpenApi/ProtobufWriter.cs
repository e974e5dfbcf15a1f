using System.Buffers;
using System.Text;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// A minimal protocol buffers encoder: varints, strings, booleans and nested messages. Nested messages
/// are written into their own buffer first so their length prefix is known; it is meant for one-off
/// document encoding, not hot paths.
/// </summary>
internal sealed class ProtobufWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void String(int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Tag(field, 2);
        var count = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)count);
        var span = _buffer.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(count);
    }

    /// <summary>Writes a repeated-string element even when empty (proto3 keeps empty repeated entries).</summary>
    public void RepeatedString(int field, string value)
    {
        Tag(field, 2);
        var count = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)count);
        var span = _buffer.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(count);
    }

    public void Bool(int field, bool value)
    {
        if (!value)
        {
            return;
        }

        Tag(field, 0);
        Varint(1);
    }

    /// <summary>Writes a nested message built by <paramref name="build"/>; always written, even when empty.</summary>
    public void Message(int field, Action<ProtobufWriter> build)
    {
        var inner = new ProtobufWriter();
        build(inner);
        Message(field, inner);
    }

    public void Message(int field, ProtobufWriter inner)
    {
        Tag(field, 2);
        Varint((ulong)inner.Length);
        _buffer.Write(inner.WrittenSpan);
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }
}
