namespace Skiff.Api.Protobuf;

/// <summary>
/// A request body that is not valid Kubernetes protobuf (bad magic, truncated or malformed wire
/// data, a wire type that contradicts the schema) or that names a kind with no known protobuf
/// schema. The message is meant for a 400 Bad Request Status.
/// </summary>
public sealed class ProtobufFormatException(string message) : Exception(message);
