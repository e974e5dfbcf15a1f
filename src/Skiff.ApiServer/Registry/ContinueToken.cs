using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The opaque <c>continue</c> value of a paged LIST, shaped like kube-apiserver's: base64 of
/// <c>{"v":"meta.k8s.io/v1","rv":R,"start":"ns/name\u0000"}</c> — the list revision and the key to resume after.
/// </summary>
internal sealed record ContinueToken(
    [property: JsonPropertyName("v")] string V,
    [property: JsonPropertyName("rv")] long Rv,
    [property: JsonPropertyName("start")] string Start)
{
    public static string Encode(long rv, string lastKeyRelative) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new ContinueToken("meta.k8s.io/v1", rv, lastKeyRelative + "\0")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes a token; null when it is not one of ours.</summary>
    public static ContinueToken? Decode(string token)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
            var t = JsonSerializer.Deserialize<ContinueToken>(Convert.FromBase64String(s));
            return t is { V: "meta.k8s.io/v1", Rv: > 0 } && t.Start.EndsWith('\0') && !t.Start.Contains("..", StringComparison.Ordinal) ? t : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The key (relative to the resource prefix) after which the next page starts.</summary>
    public string After => Start[..^1];
}
