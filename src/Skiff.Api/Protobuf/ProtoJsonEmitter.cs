using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Skiff.Api.Protobuf;

/// <summary>
/// Writes protobuf messages as the JSON that Go's encoding/json would produce for the Kubernetes struct
/// they decode into: Go key order, Go JSON names, `,inline` structs flattened, apimachinery types in
/// their JSON forms, zero values of non-pointer omitempty scalars dropped. One instance per document.
/// </summary>
internal sealed partial class ProtoJsonEmitter(ProtoSchema schema, Utf8JsonWriter writer)
{
    /// <summary>The k8s\0 prefix of every Kubernetes protobuf document.</summary>
    public static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    // Kubernetes objects nest about 12 messages deep (a Deployment's probe port); the bound stops a
    // hostile body from exhausting the stack.
    private const int MaxDepth = 100;

    private const int MaxFieldsOnStack = 64;

    private static readonly JsonEncodedText ApiVersionName = JsonEncodedText.Encode("apiVersion");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");

    private readonly ProtoSchema _schema = schema;
    private readonly Utf8JsonWriter _writer = writer;

    /// <summary>Writes a runtime.Unknown envelope (what follows the magic) as the object it carries, with apiVersion and kind.</summary>
    public void WriteEnvelope(ReadOnlySpan<byte> unknown, int depth)
    {
        CheckDepth(depth);
        ReadOnlySpan<byte> typeMeta = default, raw = default, contentEncoding = default, contentType = default;
        var reader = new ProtoReader(unknown);
        while (!reader.End)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is >= 1 and <= 4)
            {
                Expect(wireType, WireType.LengthDelimited, "runtime.Unknown", number);
                var value = reader.ReadLengthDelimited();
                switch (number)
                {
                    case 1: typeMeta = value; break;
                    case 2: raw = value; break;
                    case 3: contentEncoding = value; break;
                    default: contentType = value; break;
                }
            }
            else
            {
                reader.Skip(number, wireType);
            }
        }

        if (!contentEncoding.IsEmpty)
        {
            throw new ProtobufFormatException($"protobuf: unsupported content encoding \"{Text(contentEncoding)}\"");
        }

        if (!contentType.IsEmpty && !ProtobufTranscoder.IsProtobuf(Text(contentType)))
        {
            throw new ProtobufFormatException($"protobuf: unsupported embedded content type \"{Text(contentType)}\"");
        }

        ReadOnlySpan<byte> apiVersion = default, kind = default;
        var tm = new ProtoReader(typeMeta);
        while (!tm.End)
        {
            var (number, wireType) = tm.ReadTag();
            if (number is 1 or 2)
            {
                Expect(wireType, WireType.LengthDelimited, "runtime.TypeMeta", number);
                if (number == 1)
                {
                    apiVersion = tm.ReadLengthDelimited();
                }
                else
                {
                    kind = tm.ReadLengthDelimited();
                }
            }
            else
            {
                tm.Skip(number, wireType);
            }
        }

        var apiVersionText = Text(apiVersion);
        var kindText = Text(kind);
        if (kindText.Length == 0)
        {
            throw new ProtobufFormatException("protobuf: the object has no kind in its runtime.Unknown envelope");
        }

        var message = _schema.FindKind(apiVersionText, kindText)
            ?? throw new ProtobufFormatException($"protobuf: no protobuf schema for kind \"{kindText}\" in apiVersion \"{apiVersionText}\"");
        if (message.Kind != ProtoMessageKind.Object)
        {
            throw new ProtobufFormatException($"protobuf: kind \"{kindText}\" is not an object");
        }

        _writer.WriteStartObject();
        _writer.WriteString(ApiVersionName, apiVersionText);
        _writer.WriteString(KindName, kindText);
        WriteFields(raw, message, depth + 1);
        _writer.WriteEndObject();
    }

    /// <summary>Writes a message's fields as properties of the object already open on the writer.</summary>
    private void WriteFields(ReadOnlySpan<byte> data, ProtoMessage message, int depth)
    {
        CheckDepth(depth);
        var fields = message.Fields;
        if (fields.Length > MaxFieldsOnStack)
        {
            throw new InvalidOperationException($"protobuf schema {message.Name} has too many fields");
        }

        // Pass 1: where each known field first and last occurs. The wire does not have to keep a
        // repeated field's elements together or a message in one piece (protobuf concatenation
        // semantics), and JSON wants one array per field in Go's order, so pass 2 goes field by field.
        Span<int> first = stackalloc int[fields.Length];
        Span<int> last = stackalloc int[fields.Length];
        Span<int> count = stackalloc int[fields.Length];
        count.Clear();
        var reader = new ProtoReader(data);
        while (!reader.End)
        {
            var start = reader.Position;
            var (number, wireType) = reader.ReadTag();
            reader.Skip(number, wireType);
            var index = message.IndexOf(number);
            if (index < 0)
            {
                continue; // unknown field: skipped, as gogo protobuf's Unmarshal does
            }

            if (count[index]++ == 0)
            {
                first[index] = start;
            }

            last[index] = start;
        }

        for (var i = 0; i < fields.Length; i++)
        {
            if (count[i] == 0)
            {
                continue;
            }

            var field = fields[i];
            switch (field.Label)
            {
                case ProtoLabel.Repeated:
                    _writer.WritePropertyName(field.JsonName);
                    WriteArray(data, first[i], last[i], field, message, depth);
                    break;
                case ProtoLabel.Map:
                    _writer.WritePropertyName(field.JsonName);
                    WriteMap(data, first[i], last[i], field, message, depth);
                    break;
                case ProtoLabel.Inline:
                    WithMessageBytes(data, first[i], last[i], count[i], field, message, depth, inline: true);
                    break;
                default:
                    if (field.Type == ProtoType.Message)
                    {
                        WithMessageBytes(data, first[i], last[i], count[i], field, message, depth, inline: false);
                    }
                    else
                    {
                        WriteOptionalScalar(data, last[i], field, message);
                    }

                    break;
            }
        }
    }

    private void WriteOptionalScalar(ReadOnlySpan<byte> data, int offset, ProtoField field, ProtoMessage owner)
    {
        // Scalars: the last occurrence wins.
        var reader = new ProtoReader(data[offset..]);
        var (number, wireType) = reader.ReadTag();
        Expect(wireType, ExpectedWireType(field.Type), owner.Name, number);
        if (field.Type is ProtoType.String or ProtoType.Bytes)
        {
            var value = reader.ReadLengthDelimited();
            if (value.IsEmpty && field.OmitEmpty)
            {
                return;
            }

            _writer.WritePropertyName(field.JsonName);
            WriteStringOrBytes(field.Type, value);
        }
        else
        {
            var bits = reader.ReadNumericBits(wireType);
            if (field.OmitEmpty && IsZero(field.Type, bits))
            {
                return;
            }

            _writer.WritePropertyName(field.JsonName);
            WriteNumeric(field.Type, bits);
        }
    }

    private void WriteArray(ReadOnlySpan<byte> data, int from, int to, ProtoField field, ProtoMessage owner, int depth)
    {
        _writer.WriteStartArray();
        var reader = new ProtoReader(data[from..]);
        while (!reader.End && from + reader.Position <= to)
        {
            var (number, wireType) = reader.ReadTag();
            if (number != field.Number)
            {
                reader.Skip(number, wireType);
                continue;
            }

            WriteElement(ref reader, wireType, field, owner, depth);
        }

        _writer.WriteEndArray();
    }

    private void WriteElement(ref ProtoReader reader, WireType wireType, ProtoField field, ProtoMessage owner, int depth)
    {
        switch (field.Type)
        {
            case ProtoType.Message:
                Expect(wireType, WireType.LengthDelimited, owner.Name, field.Number);
                WriteMessageValue(reader.ReadLengthDelimited(), field.Message!, depth + 1);
                break;
            case ProtoType.String or ProtoType.Bytes:
                Expect(wireType, WireType.LengthDelimited, owner.Name, field.Number);
                WriteStringOrBytes(field.Type, reader.ReadLengthDelimited());
                break;
            default:
                var expected = ExpectedWireType(field.Type);
                if (wireType == WireType.LengthDelimited)
                {
                    // Packed: the elements back to back in one length-delimited value.
                    var packed = new ProtoReader(reader.ReadLengthDelimited());
                    while (!packed.End)
                    {
                        WriteNumeric(field.Type, packed.ReadNumericBits(expected));
                    }
                }
                else
                {
                    Expect(wireType, expected, owner.Name, field.Number);
                    WriteNumeric(field.Type, reader.ReadNumericBits(wireType));
                }

                break;
        }
    }

    private void WriteMap(ReadOnlySpan<byte> data, int from, int to, ProtoField field, ProtoMessage owner, int depth)
    {
        _writer.WriteStartObject();
        var reader = new ProtoReader(data[from..]);
        while (!reader.End && from + reader.Position <= to)
        {
            var (number, wireType) = reader.ReadTag();
            if (number != field.Number)
            {
                reader.Skip(number, wireType);
                continue;
            }

            Expect(wireType, WireType.LengthDelimited, owner.Name, number);
            WriteMapEntry(reader.ReadLengthDelimited(), field, owner, depth);
        }

        _writer.WriteEndObject();
    }

    // A map entry is a message {key = 1, value = 2}; a missing key or value is its type's zero value.
    private void WriteMapEntry(ReadOnlySpan<byte> entry, ProtoField field, ProtoMessage owner, int depth)
    {
        ReadOnlySpan<byte> keyBytes = default, valueBytes = default;
        ulong keyBits = 0, valueBits = 0;
        var reader = new ProtoReader(entry);
        while (!reader.End)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is not (1 or 2))
            {
                reader.Skip(number, wireType);
                continue;
            }

            var type = number == 1 ? field.KeyType : field.Type;
            Expect(wireType, ExpectedWireType(type), owner.Name + "." + field.JsonName + " entry", number);
            if (wireType == WireType.LengthDelimited)
            {
                if (number == 1)
                {
                    keyBytes = reader.ReadLengthDelimited();
                }
                else
                {
                    valueBytes = reader.ReadLengthDelimited();
                }
            }
            else if (number == 1)
            {
                keyBits = reader.ReadNumericBits(wireType);
            }
            else
            {
                valueBits = reader.ReadNumericBits(wireType);
            }
        }

        if (field.KeyType == ProtoType.String)
        {
            if (Utf8.IsValid(keyBytes))
            {
                _writer.WritePropertyName(keyBytes);
            }
            else
            {
                _writer.WritePropertyName(Encoding.UTF8.GetString(keyBytes));
            }
        }
        else
        {
            // encoding/json writes integer map keys as decimal strings.
            _writer.WritePropertyName(NumericText(field.KeyType, keyBits));
        }

        switch (field.Type)
        {
            case ProtoType.Message:
                WriteMessageValue(valueBytes, field.Message!, depth + 1);
                break;
            case ProtoType.String or ProtoType.Bytes:
                WriteStringOrBytes(field.Type, valueBytes);
                break;
            default:
                WriteNumeric(field.Type, valueBits);
                break;
        }
    }

    // A non-repeated message field may arrive in several pieces that protobuf merges; merging equals
    // decoding the concatenation, so the rare multi-piece case is copied together first.
    private void WithMessageBytes(ReadOnlySpan<byte> data, int from, int to, int pieces, ProtoField field, ProtoMessage owner, int depth, bool inline)
    {
        byte[]? rented = null;
        ReadOnlySpan<byte> value;
        var reader = new ProtoReader(data[from..]);
        if (pieces == 1)
        {
            var (number, wireType) = reader.ReadTag();
            Expect(wireType, WireType.LengthDelimited, owner.Name, number);
            value = reader.ReadLengthDelimited();
        }
        else
        {
            // `to` is where the last piece's tag starts, not where it ends: size for everything after `from`.
            rented = ArrayPool<byte>.Shared.Rent(data.Length - from);
            var length = 0;
            while (!reader.End && from + reader.Position <= to)
            {
                var (number, wireType) = reader.ReadTag();
                if (number != field.Number)
                {
                    reader.Skip(number, wireType);
                    continue;
                }

                Expect(wireType, WireType.LengthDelimited, owner.Name, number);
                var piece = reader.ReadLengthDelimited();
                piece.CopyTo(rented.AsSpan(length));
                length += piece.Length;
            }

            value = rented.AsSpan(0, length);
        }

        try
        {
            if (inline)
            {
                WriteFields(value, field.Message!, depth + 1);
            }
            else
            {
                WriteMessageProperty(field.JsonName, value, field.Message!, depth + 1);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // A message-typed property. Go writes a zero Time, RawExtension or FieldsV1 as null; the property
    // is left out instead, which every JSON reader of the API treats the same and keeps output small.
    private void WriteMessageProperty(JsonEncodedText name, ReadOnlySpan<byte> value, ProtoMessage message, int depth)
    {
        switch (message.Kind)
        {
            case ProtoMessageKind.Time or ProtoMessageKind.MicroTime:
                if (ReadTimestamp(value, message) is not { } t)
                {
                    return;
                }

                _writer.WritePropertyName(name);
                WriteTimestamp(t.Seconds, t.Nanos, message.Kind == ProtoMessageKind.MicroTime);
                return;
            case ProtoMessageKind.RawExtension or ProtoMessageKind.FieldsV1:
                var raw = ReadSingleBytes(value, message);
                if (raw.IsEmpty)
                {
                    return;
                }

                _writer.WritePropertyName(name);
                WriteEmbedded(raw, depth);
                return;
            default:
                _writer.WritePropertyName(name);
                WriteMessageValue(value, message, depth);
                return;
        }
    }

    /// <summary>Writes a message as a JSON value (array element, map value or property value).</summary>
    private void WriteMessageValue(ReadOnlySpan<byte> value, ProtoMessage message, int depth)
    {
        CheckDepth(depth);
        switch (message.Kind)
        {
            case ProtoMessageKind.Object:
                _writer.WriteStartObject();
                WriteFields(value, message, depth);
                _writer.WriteEndObject();
                break;
            case ProtoMessageKind.Time or ProtoMessageKind.MicroTime:
                if (ReadTimestamp(value, message) is { } t)
                {
                    WriteTimestamp(t.Seconds, t.Nanos, message.Kind == ProtoMessageKind.MicroTime);
                }
                else
                {
                    _writer.WriteNullValue();
                }

                break;
            case ProtoMessageKind.Duration:
                _writer.WriteStringValue(Printing.GoDuration.Format((long)ReadSingleNumber(value, message, 1)));
                break;
            case ProtoMessageKind.Quantity:
                var quantity = ReadSingleBytes(value, message);
                if (quantity.IsEmpty)
                {
                    _writer.WriteStringValue("0"u8); // the zero Quantity's string form
                }
                else
                {
                    WriteStringOrBytes(ProtoType.String, quantity);
                }

                break;
            case ProtoMessageKind.IntOrString:
                WriteIntOrString(value, message);
                break;
            case ProtoMessageKind.RawExtension or ProtoMessageKind.FieldsV1:
                var raw = ReadSingleBytes(value, message);
                if (raw.IsEmpty)
                {
                    _writer.WriteNullValue();
                }
                else
                {
                    WriteEmbedded(raw, depth);
                }

                break;
            case ProtoMessageKind.Array:
                // An empty wrapper decodes to a nil slice, which Go writes as null; [] reads the same to
                // every client and spares consumers a null list.
                WriteArray(value, 0, value.Length, message.Fields[0], message, depth);
                break;
        }
    }

    private void WriteStringOrBytes(ProtoType type, ReadOnlySpan<byte> value)
    {
        if (type == ProtoType.Bytes)
        {
            _writer.WriteBase64StringValue(value);
            return;
        }

        if (Utf8.IsValid(value))
        {
            _writer.WriteStringValue(value);
        }
        else
        {
            // Go's encoding/json replaces invalid UTF-8 with U+FFFD rather than failing; so do we.
            _writer.WriteStringValue(Encoding.UTF8.GetString(value));
        }
    }

    private void WriteNumeric(ProtoType type, ulong bits)
    {
        switch (type)
        {
            case ProtoType.Bool:
                _writer.WriteBooleanValue(bits != 0);
                break;
            case ProtoType.Double:
                _writer.WriteNumberValue(Finite(BitConverter.Int64BitsToDouble((long)bits)));
                break;
            case ProtoType.Float:
                _writer.WriteNumberValue((float)Finite(BitConverter.Int32BitsToSingle((int)(uint)bits)));
                break;
            case ProtoType.UInt64 or ProtoType.Fixed64:
                _writer.WriteNumberValue(bits);
                break;
            default:
                _writer.WriteNumberValue(SignedValue(type, bits));
                break;
        }
    }

    private static string NumericText(ProtoType type, ulong bits) => type switch
    {
        ProtoType.Bool => bits != 0 ? "true" : "false",
        ProtoType.UInt64 or ProtoType.Fixed64 => bits.ToString(CultureInfo.InvariantCulture),
        ProtoType.Double or ProtoType.Float => throw new ProtobufFormatException("protobuf: floating-point map keys are not valid"),
        _ => SignedValue(type, bits).ToString(CultureInfo.InvariantCulture),
    };

    // The integer a varint or fixed value stands for; a negative int32 arrives as a sign-extended
    // 10-byte varint, so truncating to 32 bits recovers it.
    private static long SignedValue(ProtoType type, ulong bits) => type switch
    {
        ProtoType.Int32 => (int)bits,
        ProtoType.UInt32 or ProtoType.Fixed32 => (uint)bits,
        ProtoType.SFixed32 => (int)(uint)bits,
        ProtoType.SInt32 => (int)((uint)bits >> 1) ^ -(int)(bits & 1),
        ProtoType.SInt64 => (long)(bits >> 1) ^ -(long)(bits & 1),
        _ => (long)bits, // Int64, SFixed64
    };

    private static bool IsZero(ProtoType type, ulong bits) => type switch
    {
        ProtoType.Double => BitConverter.Int64BitsToDouble((long)bits) == 0,
        ProtoType.Float => BitConverter.Int32BitsToSingle((int)(uint)bits) == 0,
        // A 32-bit field keeps only the low 32 bits of its varint, as Go's int32(v) conversion does.
        ProtoType.Int32 or ProtoType.UInt32 or ProtoType.Fixed32 or ProtoType.SFixed32 or ProtoType.SInt32 => (uint)bits == 0,
        _ => bits == 0,
    };

    private static double Finite(double value) => double.IsFinite(value)
        ? value
        : throw new ProtobufFormatException("protobuf: NaN and infinite numbers have no JSON form");

    private static WireType ExpectedWireType(ProtoType type) => type switch
    {
        ProtoType.Message or ProtoType.String or ProtoType.Bytes => WireType.LengthDelimited,
        ProtoType.Double or ProtoType.Fixed64 or ProtoType.SFixed64 => WireType.Fixed64,
        ProtoType.Float or ProtoType.Fixed32 or ProtoType.SFixed32 => WireType.Fixed32,
        _ => WireType.Varint,
    };

    private static void Expect(WireType actual, WireType expected, string owner, int number)
    {
        if (actual != expected)
        {
            throw new ProtobufFormatException($"protobuf: wrong wire type {(int)actual} for field {number} of {owner}, want {(int)expected}");
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ProtobufFormatException($"protobuf: messages nested deeper than {MaxDepth}");
        }
    }

    private static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);
}
