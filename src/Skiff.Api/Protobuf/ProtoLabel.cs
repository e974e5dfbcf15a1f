namespace Skiff.Api.Protobuf;

/// <summary>How a field appears on the wire and in JSON.</summary>
internal enum ProtoLabel : byte
{
    /// <summary>At most one value; the last occurrence on the wire wins.</summary>
    Optional,

    /// <summary>A JSON array; scalar elements may arrive packed or unpacked.</summary>
    Repeated,

    /// <summary>Repeated entry messages (key = 1, value = 2) that become one JSON object.</summary>
    Map,

    /// <summary>An embedded Go struct tagged <c>json:",inline"</c>: its fields merge into the parent object.</summary>
    Inline,
}
