using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Skiff.Api.Protobuf;

/// <summary>
/// Turns Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf, as
/// client-go's typed clients send them) into the JSON the API server already understands. The JSON is
/// what Go's encoding/json would write for the object kube-apiserver decodes from the same bytes.
/// Thread-safe; the schema loads on first use.
/// </summary>
public static class ProtobufTranscoder
{
    /// <summary>The media type of Kubernetes protobuf.</summary>
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The output goes to our own deserializer, never into HTML, so only JSON's own escaping is needed.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Decodes a Kubernetes protobuf document (the k8s\0 magic, then a runtime.Unknown envelope whose raw
    /// bytes are the object) into the object's JSON, with apiVersion and kind from the envelope.
    /// </summary>
    /// <exception cref="ProtobufFormatException">The body is malformed or its kind has no known schema.</exception>
    public static byte[] ToJson(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(ProtoJsonEmitter.Magic))
        {
            throw new ProtobufFormatException("protobuf: the body does not start with the Kubernetes protobuf prefix \"k8s\\x00\"");
        }

        var output = new ArrayBufferWriter<byte>(Math.Max(256, body.Length * 2));
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            new ProtoJsonEmitter(ProtoSchema.Instance, writer).WriteEnvelope(body[ProtoJsonEmitter.Magic.Length..], 0);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Whether a Content-Type header names Kubernetes protobuf (parameters and case ignored).</summary>
    public static bool IsProtobuf(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        if (semicolon >= 0)
        {
            span = span[..semicolon];
        }

        return span.Trim().Equals(MediaType, StringComparison.OrdinalIgnoreCase);
    }
}
