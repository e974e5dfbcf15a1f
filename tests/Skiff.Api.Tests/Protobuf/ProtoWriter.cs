using System.Buffers.Binary;
using System.Text;

namespace Skiff.Api.Tests.Protobuf;

/// <summary>A minimal protobuf encoder for building test bodies by hand, byte by byte.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public static byte[] Message(Action<ProtoWriter> build)
    {
        var w = new ProtoWriter();
        build(w);
        return w.ToArray();
    }

    /// <summary>A whole Kubernetes protobuf body: magic, then runtime.Unknown {typeMeta, raw}.</summary>
    public static byte[] Envelope(string apiVersion, string kind, byte[] raw)
    {
        var unknown = Message(u =>
        {
            u.Message(1, t => t.String(1, apiVersion).String(2, kind));
            u.Bytes(2, raw);
        });
        return [.. "k8s\0"u8, .. unknown];
    }

    public ProtoWriter Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

    public ProtoWriter RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
        return this;
    }

    /// <summary>An int32/int64/bool field; negative values take ten bytes, as protobuf requires.</summary>
    public ProtoWriter Varint(int field, long value) => Tag(field, 0).RawVarint((ulong)value);

    public ProtoWriter Bool(int field, bool value) => Varint(field, value ? 1 : 0);

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2).RawVarint((ulong)value.Length);
        _bytes.AddRange(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, Action<ProtoWriter> build) => Bytes(field, Message(build));

    /// <summary>A map&lt;string, string&gt; entry.</summary>
    public ProtoWriter MapEntry(int field, string key, string value) => Message(field, e => e.String(1, key).String(2, value));

    public ProtoWriter Fixed64(int field, ulong value)
    {
        Tag(field, 1);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _bytes.AddRange(b);
        return this;
    }

    public ProtoWriter Fixed32(int field, uint value)
    {
        Tag(field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.AddRange(b);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];
}
