using System.Text.Encodings.Web;
using System.Text.Json;
using k8s;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The JSON options of the KubernetesClient models (their converters for quantities, int-or-string,
/// byte arrays and timestamps), used for every object the server reads or writes.
/// </summary>
public static class ApiJson
{
    /// <summary>The shared serializer options; read-only after start-up.</summary>
    public static JsonSerializerOptions Options { get; } = Capture();

    private static JsonSerializerOptions Capture()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(o => captured = o);

        // A copy, not KubernetesJson's own instance: that one becomes read-only as soon as anything in the
        // process (a client, a test) has serialized with it, and setting the encoder on it would then throw.
        // Kubernetes writes '"', '<', '&' and non-ASCII text as they are; .NET's default encoder would escape them.
        return new JsonSerializerOptions(captured ?? throw new InvalidOperationException("KubernetesJson did not expose its serializer options"))
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
    }

    /// <summary>Writer options matching <see cref="Options"/> for hand-written JSON.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static byte[] Serialize(object value, Type type) => JsonSerializer.SerializeToUtf8Bytes(value, type, Options);

    /// <summary>
    /// Whether two values serialize to the same JSON, ignoring object member order (clients such as kubectl
    /// send maps sorted by key while stored objects keep their original order).
    /// </summary>
    public static bool SemanticEquals<TValue>(TValue? a, TValue? b) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a, Options), JsonSerializer.SerializeToNode(b, Options));

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<T>(utf8, Options) ?? throw new JsonException("null object");

    public static object Deserialize(ReadOnlySpan<byte> utf8, Type type) =>
        JsonSerializer.Deserialize(utf8, type, Options) ?? throw new JsonException("null object");
}
