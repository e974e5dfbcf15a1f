using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Skiff.ApiServer.Streaming;

/// <summary>
/// Builds SPDY/3 header blocks (a count, then length-prefixed lower-case names and values) compressed with one zlib
/// stream per connection, sync-flushed after each block, as SPDY requires. The compressor uses no preset dictionary:
/// zlib readers given SPDY's dictionary (Go's spdy framer in kubelet and containerd) only use it when the stream's
/// header asks for it. Not thread-safe: the connection serializes writes.
/// </summary>
internal sealed class SpdyHeaderBlock : IDisposable
{
    private readonly MemoryStream _output = new();
    private readonly ZLibStream _zlib;

    public SpdyHeaderBlock() => _zlib = new ZLibStream(_output, CompressionLevel.Optimal, leaveOpen: true);

    /// <summary>The uncompressed block for <paramref name="headers"/> (names lower-cased; repeated values joined by NUL).</summary>
    public static byte[] Serialize(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var groups = headers.GroupBy(h => h.Key.ToLowerInvariant()).ToList();
        var buffer = new MemoryStream();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)groups.Count);
        buffer.Write(number);
        foreach (var group in groups)
        {
            foreach (var text in new[] { group.Key, string.Join('\0', group.Select(h => h.Value)) })
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteUInt32BigEndian(number, (uint)bytes.Length);
                buffer.Write(number);
                buffer.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Parses an uncompressed block back into (name, value) pairs, one per NUL-separated value.</summary>
    public static List<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> block)
    {
        var result = new List<KeyValuePair<string, string>>();
        var count = BinaryPrimitives.ReadUInt32BigEndian(block);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var nameLength = (int)BinaryPrimitives.ReadUInt32BigEndian(block[offset..]);
            var name = Encoding.UTF8.GetString(block.Slice(offset + 4, nameLength));
            offset += 4 + nameLength;
            var valueLength = (int)BinaryPrimitives.ReadUInt32BigEndian(block[offset..]);
            var values = Encoding.UTF8.GetString(block.Slice(offset + 4, valueLength));
            offset += 4 + valueLength;
            result.AddRange(values.Split('\0').Select(v => new KeyValuePair<string, string>(name, v)));
        }

        return result;
    }

    /// <summary>The next compressed block of this connection's header stream.</summary>
    public byte[] Compress(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        _output.SetLength(0);
        _zlib.Write(Serialize(headers));
        _zlib.Flush();
        return _output.ToArray();
    }

    public void Dispose()
    {
        _zlib.Dispose();
        _output.Dispose();
    }
}
