namespace Skiff.Api.Protobuf;

/// <summary>
/// How a message is written as JSON. Most are objects; the rest are apimachinery types whose Go
/// JSON marshallers give them a scalar or pass-through form.
/// </summary>
internal enum ProtoMessageKind : byte
{
    Object,

    /// <summary>meta/v1 Time {seconds = 1, nanos = 2}: RFC 3339 in UTC with whole seconds.</summary>
    Time,

    /// <summary>meta/v1 MicroTime: RFC 3339 in UTC with six fractional digits.</summary>
    MicroTime,

    /// <summary>meta/v1 Duration {duration = 1, nanoseconds}: Go's time.Duration string.</summary>
    Duration,

    /// <summary>resource.Quantity {string = 1}: the string.</summary>
    Quantity,

    /// <summary>intstr.IntOrString {type = 1, intVal = 2, strVal = 3}: a number or a string.</summary>
    IntOrString,

    /// <summary>runtime.RawExtension {raw = 1}: the raw JSON (or nested Kubernetes protobuf) inlined.</summary>
    RawExtension,

    /// <summary>meta/v1 FieldsV1 {Raw = 1}: the raw JSON inlined.</summary>
    FieldsV1,

    /// <summary>A Go named slice ([]string) wrapped as {repeated items = 1}: the bare array.</summary>
    Array,
}
