using System.Text.Json;

namespace Skiff.Api.Protobuf;

/// <summary>One field of a message schema.</summary>
internal sealed class ProtoField(
    JsonEncodedText jsonName,
    int number,
    ProtoLabel label,
    ProtoType type,
    string? messageName,
    ProtoType keyType,
    bool omitEmpty)
{
    /// <summary>The Go JSON name, pre-encoded; usually but not always the proto field name.</summary>
    public JsonEncodedText JsonName { get; } = jsonName;

    public int Number { get; } = number;

    public ProtoLabel Label { get; } = label;

    /// <summary>The element type; for a map, the value type.</summary>
    public ProtoType Type { get; } = type;

    /// <summary>The fully-qualified message name when <see cref="Type"/> is Message, before resolution.</summary>
    public string? MessageName { get; } = messageName;

    /// <summary>The key type of a map field.</summary>
    public ProtoType KeyType { get; } = keyType;

    /// <summary>
    /// The Go field is a value (not a pointer) tagged omitempty, so a zero scalar is dropped from JSON
    /// exactly as encoding/json drops it. Pointer fields keep their zero: gogo protobuf writes a pointer
    /// only when it is set, so `replicas: 0` on the wire means "zero", not "unset".
    /// </summary>
    public bool OmitEmpty { get; } = omitEmpty;

    /// <summary>The resolved message type; set once while the schema loads.</summary>
    public ProtoMessage? Message { get; set; }
}
