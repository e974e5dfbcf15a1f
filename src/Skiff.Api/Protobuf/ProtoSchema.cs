using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace Skiff.Api.Protobuf;

/// <summary>
/// The message schemas of the Kubernetes API's generated.proto files, read from the text files embedded
/// under Protobuf/Schema (see generate.py there for where they come from and the line format).
/// Immutable once built; safe to share between threads.
/// </summary>
internal sealed class ProtoSchema
{
    private const string ResourcePrefix = "Skiff.Api.Protobuf.Schema.";
    private const string MetaV1 = "k8s.io.apimachinery.pkg.apis.meta.v1.";

    // Loaded on the first protobuf request only: most servers never see one, and the parse
    // (~550 messages, ~2000 fields) then costs nothing at start-up.
    private static readonly Lazy<ProtoSchema> Embedded = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FrozenDictionary<string, ProtoMessage> _messages;

    private ProtoSchema(FrozenDictionary<string, ProtoMessage> messages) => _messages = messages;

    /// <summary>The schema built from the embedded resources.</summary>
    public static ProtoSchema Instance => Embedded.Value;

    public int MessageCount => _messages.Count;

    public IEnumerable<ProtoMessage> Messages => _messages.Values;

    public ProtoMessage? Find(string fullName) => _messages.GetValueOrDefault(fullName);

    /// <summary>
    /// The message for an object's apiVersion and kind. API groups map to proto packages by their first
    /// DNS label (rbac.authorization.k8s.io → k8s.io.api.rbac), the core group to core. Kinds every
    /// group version registers from meta/v1 (DeleteOptions, Status, ...) fall back to meta/v1, which is
    /// how client-go encodes, e.g., the DeleteOptions body of a typed Delete.
    /// </summary>
    public ProtoMessage? FindKind(string apiVersion, string kind)
    {
        if (kind.Length == 0 || apiVersion.Length == 0)
        {
            return null;
        }

        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        if (version.Length == 0 || version.Contains('/'))
        {
            return null;
        }

        if (group == "meta.k8s.io")
        {
            return Find($"k8s.io.apimachinery.pkg.apis.meta.{version}.{kind}");
        }

        var dot = group.IndexOf('.');
        var package = group.Length == 0 ? "core" : dot < 0 ? group : group[..dot];
        return Find($"k8s.io.api.{package}.{version}.{kind}") ?? Find(MetaV1 + kind);
    }

    private static ProtoSchema LoadEmbedded()
    {
        var assembly = typeof(ProtoSchema).Assembly;
        var readers = new List<TextReader>();
        try
        {
            foreach (var name in assembly.GetManifestResourceNames())
            {
                if (name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".txt", StringComparison.Ordinal))
                {
                    readers.Add(new StreamReader(assembly.GetManifestResourceStream(name)!));
                }
            }

            if (readers.Count == 0)
            {
                throw new InvalidOperationException("protobuf schema resources are missing from " + assembly.GetName().Name);
            }

            return Parse(readers);
        }
        finally
        {
            foreach (var r in readers)
            {
                r.Dispose();
            }
        }
    }

    /// <summary>Parses schema text (see generate.py for the format) and resolves every message reference.</summary>
    internal static ProtoSchema Parse(IEnumerable<TextReader> sources)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, JsonEncodedText>(StringComparer.Ordinal);
        var arrays = new HashSet<string>(StringComparer.Ordinal);
        var declared = new List<(string Name, List<ProtoField> Fields)>();
        string Intern(string s) => strings.TryGetValue(s, out var v) ? v : strings[s] = s;

        foreach (var source in sources)
        {
            List<ProtoField>? current = null;
            var lineNumber = 0;
            while (source.ReadLine() is { } line)
            {
                lineNumber++;
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                if (line.StartsWith("!array ", StringComparison.Ordinal))
                {
                    arrays.Add(Intern(line[7..].Trim()));
                    continue;
                }

                if (line[0] != ' ')
                {
                    current = [];
                    declared.Add((Intern(line.Trim()), current));
                    continue;
                }

                if (current is null)
                {
                    throw new InvalidOperationException($"protobuf schema line {lineNumber}: field before any message");
                }

                current.Add(ParseField(line, lineNumber, Intern, names));
            }
        }

        var messages = new Dictionary<string, ProtoMessage>(declared.Count, StringComparer.Ordinal);
        foreach (var (name, fields) in declared)
        {
            var kind = arrays.Contains(name) ? ProtoMessageKind.Array : SpecialKind(name);
            messages[name] = new ProtoMessage(name, kind, [.. fields]);
        }

        foreach (var message in messages.Values)
        {
            foreach (var field in message.Fields)
            {
                if (field.MessageName is { } typeName)
                {
                    field.Message = messages.GetValueOrDefault(typeName)
                        ?? throw new InvalidOperationException($"protobuf schema: {message.Name}.{field.JsonName} refers to unknown message {typeName}");
                }
            }

            if (message.Kind == ProtoMessageKind.Array && (message.Fields.Length != 1 || message.Fields[0].Label != ProtoLabel.Repeated))
            {
                throw new InvalidOperationException($"protobuf schema: array wrapper {message.Name} must have one repeated field");
            }
        }

        return new ProtoSchema(messages.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static ProtoField ParseField(string line, int lineNumber, Func<string, string> intern, Dictionary<string, JsonEncodedText> names)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 4 or > 5 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new InvalidOperationException($"protobuf schema line {lineNumber}: expected 'jsonName number label type [omitempty]'");
        }

        if (!names.TryGetValue(parts[0], out var jsonName))
        {
            jsonName = names[parts[0]] = JsonEncodedText.Encode(parts[0]);
        }

        var label = parts[2] switch
        {
            "optional" => ProtoLabel.Optional,
            "repeated" => ProtoLabel.Repeated,
            "map" => ProtoLabel.Map,
            "inline" => ProtoLabel.Inline,
            _ => throw new InvalidOperationException($"protobuf schema line {lineNumber}: unknown label {parts[2]}"),
        };
        var omitEmpty = parts.Length == 5 && parts[4] == "omitempty";
        var typeText = parts[3];
        var keyType = ProtoType.String;
        if (label == ProtoLabel.Map)
        {
            var comma = typeText.IndexOf(',');
            if (comma < 0 || ScalarType(typeText[..comma]) is not { } k || k == ProtoType.Bytes)
            {
                throw new InvalidOperationException($"protobuf schema line {lineNumber}: map type must be 'key,value' with a scalar key");
            }

            keyType = k;
            typeText = typeText[(comma + 1)..];
        }

        var scalar = ScalarType(typeText);
        if (label == ProtoLabel.Inline && scalar is not null)
        {
            throw new InvalidOperationException($"protobuf schema line {lineNumber}: only messages can be inline");
        }

        return new ProtoField(jsonName, number, label, scalar ?? ProtoType.Message, scalar is null ? intern(typeText) : null, keyType, omitEmpty);
    }

    private static ProtoType? ScalarType(string name) => name switch
    {
        "double" => ProtoType.Double,
        "float" => ProtoType.Float,
        "int64" => ProtoType.Int64,
        "uint64" => ProtoType.UInt64,
        "int32" => ProtoType.Int32,
        "fixed64" => ProtoType.Fixed64,
        "fixed32" => ProtoType.Fixed32,
        "bool" => ProtoType.Bool,
        "string" => ProtoType.String,
        "bytes" => ProtoType.Bytes,
        "uint32" => ProtoType.UInt32,
        "sfixed32" => ProtoType.SFixed32,
        "sfixed64" => ProtoType.SFixed64,
        "sint32" => ProtoType.SInt32,
        "sint64" => ProtoType.SInt64,
        _ => null,
    };

    private static ProtoMessageKind SpecialKind(string name) => name switch
    {
        MetaV1 + "Time" => ProtoMessageKind.Time,
        MetaV1 + "MicroTime" => ProtoMessageKind.MicroTime,
        MetaV1 + "Duration" => ProtoMessageKind.Duration,
        MetaV1 + "FieldsV1" => ProtoMessageKind.FieldsV1,
        "k8s.io.apimachinery.pkg.api.resource.Quantity" => ProtoMessageKind.Quantity,
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString" => ProtoMessageKind.IntOrString,
        "k8s.io.apimachinery.pkg.runtime.RawExtension" => ProtoMessageKind.RawExtension,
        _ => ProtoMessageKind.Object,
    };
}
