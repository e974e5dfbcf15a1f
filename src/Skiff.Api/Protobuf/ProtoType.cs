namespace Skiff.Api.Protobuf;

/// <summary>The protobuf type of a field (or of a map's key or value).</summary>
internal enum ProtoType : byte
{
    Message,
    Double,
    Float,
    Int64,
    UInt64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Bytes,
    UInt32,
    SFixed32,
    SFixed64,
    SInt32,
    SInt64,
}
