using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Skiff.Api.Schema;

/// <summary>
/// Finds unknown and duplicate fields in a request body for <c>fieldValidation</c> (Strict, Warn),
/// with kube-apiserver's wording: <c>unknown field "spec.containers[0].bar"</c> and
/// <c>duplicate field "metadata.name"</c> (sigs.k8s.io/json strict decoding). The body is read once
/// with a <see cref="Utf8JsonReader"/> guided by the cached <see cref="ModelSchema"/>; no document is built.
/// </summary>
/// <remarks>
/// Semantics follow the Go decoder: messages come in document order, each distinct message once and
/// at most <see cref="MaxMessages"/> of them; a field that is both unknown and repeated is reported
/// only as unknown; map keys are free but repeated keys are duplicates; free-form fields
/// (RawExtension, FieldsV1) are not looked into. Type mismatches and syntax errors are left to the
/// deserializer: the check stops quietly at malformed JSON and returns what it found so far.
/// </remarks>
public static class FieldValidator
{
    /// <summary>The most messages reported for one body, as sigs.k8s.io/json caps its strict errors.</summary>
    public const int MaxMessages = 100;

    /// <summary>Checks a JSON body against a model type; an empty list means the body is clean.</summary>
    public static IReadOnlyList<string> Check(ReadOnlySpan<byte> utf8Json, Type type) => Check(utf8Json, ModelSchema.Of(type));

    /// <summary>Checks a JSON body against a model schema; an empty list means the body is clean.</summary>
    public static IReadOnlyList<string> Check(ReadOnlySpan<byte> utf8Json, ModelSchema schema)
    {
        var walker = new Walker(utf8Json);
        try
        {
            if (walker.Reader.Read() && walker.Reader.TokenType == JsonTokenType.StartObject)
            {
                walker.WalkValue(schema);
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the deserializer reports it with its own wording.
        }
        finally
        {
            walker.Dispose();
        }

        return walker.Messages is null ? [] : walker.Messages;
    }

    private ref struct Walker
    {
        // Small maps (labels, annotations, selectors) are checked for repeated keys by comparing the raw
        // key bytes; only larger or escaped-key maps pay for a set of strings.
        private const int InlineMapKeys = 16;

        public Utf8JsonReader Reader;
        public List<string>? Messages;

        private readonly ReadOnlySpan<byte> _json;
        private char[] _path;
        private int _pathLength;

        public Walker(ReadOnlySpan<byte> json)
        {
            _json = json;
            Reader = new Utf8JsonReader(json);
            _path = ArrayPool<char>.Shared.Rent(256);
        }

        public void Dispose()
        {
            ArrayPool<char>.Shared.Return(_path);
            _path = [];
        }

        /// <summary>Walks the value the reader is positioned on; leaves the reader on its last token.</summary>
        public void WalkValue(ModelSchema schema)
        {
            switch (Reader.TokenType)
            {
                case JsonTokenType.StartObject when schema.Kind == SchemaKind.Object:
                    WalkObject(schema);
                    break;
                case JsonTokenType.StartObject when schema.Kind == SchemaKind.Map:
                    WalkMap(schema.Items!);
                    break;
                case JsonTokenType.StartArray when schema.Kind == SchemaKind.List:
                    WalkList(schema.Items!);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    Reader.Skip();
                    break;
            }
        }

        private void WalkObject(ModelSchema schema)
        {
            var count = schema.Properties.Count;
            Span<ulong> seen = count <= 64 ? stackalloc ulong[1] : stackalloc ulong[(count + 63) / 64];
            seen.Clear();
            var mark = _pathLength;
            while (Reader.Read() && Reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = AppendKey(mark);
                var property = schema.FindProperty(name);
                if (property is null)
                {
                    Report("unknown field ");
                    Reader.Skip();
                }
                else
                {
                    ref var word = ref seen[property.Index >> 6];
                    var bit = 1UL << (property.Index & 63);
                    if ((word & bit) != 0)
                    {
                        Report("duplicate field ");
                    }

                    word |= bit;
                    Reader.Read();
                    WalkValue(property.Schema);
                }

                _pathLength = mark;
            }
        }

        private void WalkMap(ModelSchema values)
        {
            Span<(int Start, int Length)> inline = stackalloc (int, int)[InlineMapKeys];
            var inlineCount = 0;
            HashSet<string>? keys = null;
            var mark = _pathLength;
            while (Reader.Read() && Reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = AppendKey(mark);
                bool duplicate;
                if (keys is null && !Reader.ValueIsEscaped && inlineCount < InlineMapKeys)
                {
                    // For a property name TokenStartIndex is the opening quote.
                    var start = checked((int)Reader.TokenStartIndex + 1);
                    var raw = Reader.ValueSpan;
                    duplicate = false;
                    foreach (var (s, l) in inline[..inlineCount])
                    {
                        if (_json.Slice(s, l).SequenceEqual(raw))
                        {
                            duplicate = true;
                            break;
                        }
                    }

                    if (!duplicate)
                    {
                        inline[inlineCount++] = (start, raw.Length);
                    }
                }
                else
                {
                    if (keys is null)
                    {
                        keys = new HashSet<string>(StringComparer.Ordinal);
                        foreach (var (s, l) in inline[..inlineCount])
                        {
                            keys.Add(Encoding.UTF8.GetString(_json.Slice(s, l)));
                        }
                    }

                    duplicate = !keys.Add(name.ToString());
                }

                if (duplicate)
                {
                    Report("duplicate field ");
                }

                Reader.Read();
                WalkValue(values);
                _pathLength = mark;
            }
        }

        private void WalkList(ModelSchema items)
        {
            var mark = _pathLength;
            var index = 0;
            while (Reader.Read() && Reader.TokenType != JsonTokenType.EndArray)
            {
                if (Reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    AppendIndex(index);
                    WalkValue(items);
                    _pathLength = mark;
                }

                index++;
            }
        }

        /// <summary>Appends ".key" (or "key" at the root) to the path and returns the unescaped key.</summary>
        private ReadOnlySpan<char> AppendKey(int mark)
        {
            var separator = mark > 0 ? 1 : 0;
            // The unescaped key never has more chars than its UTF-8 bytes.
            var raw = Reader.ValueSpan.Length;
            Ensure(mark + separator + raw);
            if (separator == 1)
            {
                _path[mark] = '.';
            }

            var written = Reader.CopyString(_path.AsSpan(mark + separator));
            _pathLength = mark + separator + written;
            return _path.AsSpan(mark + separator, written);
        }

        private void AppendIndex(int index)
        {
            Ensure(_pathLength + 13);
            _path[_pathLength++] = '[';
            index.TryFormat(_path.AsSpan(_pathLength), out var written);
            _pathLength += written;
            _path[_pathLength++] = ']';
        }

        private void Ensure(int length)
        {
            if (length <= _path.Length)
            {
                return;
            }

            var bigger = ArrayPool<char>.Shared.Rent(Math.Max(length, _path.Length * 2));
            _path.AsSpan(0, _pathLength).CopyTo(bigger);
            ArrayPool<char>.Shared.Return(_path);
            _path = bigger;
        }

        private void Report(string prefix)
        {
            Messages ??= [];
            if (Messages.Count >= MaxMessages)
            {
                return;
            }

            var message = prefix + GoQuote(_path.AsSpan(0, _pathLength));
            if (!Messages.Contains(message))
            {
                Messages.Add(message);
            }
        }

        /// <summary>Quotes like Go's %q for the characters field paths contain.</summary>
        private static string GoQuote(ReadOnlySpan<char> path)
        {
            var builder = new StringBuilder(path.Length + 2);
            builder.Append('"');
            foreach (var c in path)
            {
                switch (c)
                {
                    case '"':
                        builder.Append("\\\"");
                        break;
                    case '\\':
                        builder.Append(@"\\");
                        break;
                    case '\n':
                        builder.Append(@"\n");
                        break;
                    case '\t':
                        builder.Append(@"\t");
                        break;
                    case '\r':
                        builder.Append(@"\r");
                        break;
                    case < ' ':
                        builder.Append(@"\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    default:
                        builder.Append(c);
                        break;
                }
            }

            return builder.Append('"').ToString();
        }
    }
}
