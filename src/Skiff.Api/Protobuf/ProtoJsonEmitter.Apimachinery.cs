using System.Globalization;
using System.Text.Json;

namespace Skiff.Api.Protobuf;

// The apimachinery types whose Go JSON marshallers give them a non-object form.
internal sealed partial class ProtoJsonEmitter
{
    // A meta/v1 Time whose seconds are Go's zero time.Time (0001-01-01); encoding/json writes it as null.
    private const long GoZeroTimeSeconds = -62135596800;
    private const long MaxUnixSeconds = 253402300799;

    private void WriteIntOrString(ReadOnlySpan<byte> value, ProtoMessage message)
    {
        ulong type = 0, intVal = 0;
        ReadOnlySpan<byte> strVal = default;
        var reader = new ProtoReader(value);
        while (!reader.End)
        {
            var (number, wireType) = reader.ReadTag();
            switch (number)
            {
                case 1:
                    Expect(wireType, WireType.Varint, message.Name, number);
                    type = reader.ReadVarint();
                    break;
                case 2:
                    Expect(wireType, WireType.Varint, message.Name, number);
                    intVal = reader.ReadVarint();
                    break;
                case 3:
                    Expect(wireType, WireType.LengthDelimited, message.Name, number);
                    strVal = reader.ReadLengthDelimited();
                    break;
                default:
                    reader.Skip(number, wireType);
                    break;
            }
        }

        // intstr.Type: 0 = Int, 1 = String (the same test as IntOrString.MarshalJSON).
        if (type == 1)
        {
            WriteStringOrBytes(ProtoType.String, strVal);
        }
        else
        {
            _writer.WriteNumberValue((int)intVal);
        }
    }

    // RawExtension and FieldsV1 carry a document of their own: JSON, written through unchanged (as their
    // Go MarshalJSON does), or for RawExtension a nested Kubernetes protobuf object, transcoded in turn.
    private void WriteEmbedded(ReadOnlySpan<byte> raw, int depth)
    {
        if (raw.StartsWith(Magic))
        {
            WriteEnvelope(raw[Magic.Length..], depth + 1);
            return;
        }

        try
        {
            _writer.WriteRawValue(raw, skipInputValidation: false);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new ProtobufFormatException("protobuf: an embedded raw object is neither JSON nor Kubernetes protobuf: " + e.Message);
        }
    }

    // Returns null for Go's zero time (empty message, or 0001-01-01T00:00:00Z), which encoding/json writes as null.
    private static (long Seconds, long Nanos)? ReadTimestamp(ReadOnlySpan<byte> value, ProtoMessage message)
    {
        if (value.IsEmpty)
        {
            return null;
        }

        long seconds = 0, nanos = 0;
        var reader = new ProtoReader(value);
        while (!reader.End)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is 1 or 2)
            {
                Expect(wireType, WireType.Varint, message.Name, number);
                var v = reader.ReadVarint();
                if (number == 1)
                {
                    seconds = (long)v;
                }
                else
                {
                    nanos = (int)v;
                }
            }
            else
            {
                reader.Skip(number, wireType);
            }
        }

        // Normalise nanos into [0, 1e9) the way time.Unix does.
        seconds += Math.DivRem(nanos, 1_000_000_000L, out nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }

        if (seconds == GoZeroTimeSeconds && nanos == 0)
        {
            return null;
        }

        if (seconds is < GoZeroTimeSeconds or > MaxUnixSeconds)
        {
            throw new ProtobufFormatException($"protobuf: {message.Name} seconds {seconds} is outside years 1 to 9999");
        }

        return (seconds, nanos);
    }

    private void WriteTimestamp(long seconds, long nanos, bool micro)
    {
        var time = new DateTime(DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        Span<byte> buffer = stackalloc byte[32];
        var format = micro ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss'Z'";
        if (!time.TryFormat(buffer, out var written, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("timestamp buffer too small");
        }

        if (micro)
        {
            // RFC 3339 with exactly six fractional digits (apimachinery's RFC3339Micro); truncated like Go's formatting.
            buffer[written++] = (byte)'.';
            ((ulong)(nanos / 1000)).TryFormat(buffer[written..], out var digits, "D6", CultureInfo.InvariantCulture);
            written += digits;
            buffer[written++] = (byte)'Z';
        }

        _writer.WriteStringValue(buffer[..written]);
    }

    // The last value of field 1, a length-delimited field (Quantity.string, RawExtension.raw, FieldsV1.Raw).
    private static ReadOnlySpan<byte> ReadSingleBytes(ReadOnlySpan<byte> value, ProtoMessage message)
    {
        ReadOnlySpan<byte> result = default;
        var reader = new ProtoReader(value);
        while (!reader.End)
        {
            var (number, wireType) = reader.ReadTag();
            if (number == 1)
            {
                Expect(wireType, WireType.LengthDelimited, message.Name, number);
                result = reader.ReadLengthDelimited();
            }
            else
            {
                reader.Skip(number, wireType);
            }
        }

        return result;
    }

    private static ulong ReadSingleNumber(ReadOnlySpan<byte> value, ProtoMessage message, int fieldNumber)
    {
        ulong result = 0;
        var reader = new ProtoReader(value);
        while (!reader.End)
        {
            var (number, wireType) = reader.ReadTag();
            if (number == fieldNumber)
            {
                Expect(wireType, WireType.Varint, message.Name, number);
                result = reader.ReadVarint();
            }
            else
            {
                reader.Skip(number, wireType);
            }
        }

        return result;
    }
}
