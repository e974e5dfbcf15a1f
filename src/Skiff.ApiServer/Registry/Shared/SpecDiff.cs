using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// Equality and a short, readable difference of two API values by their JSON form. Kubernetes appends a
/// cmp.Diff of the Go structs to some immutability messages; we append the changed top-level fields
/// instead (the first line of the message is identical).
/// </summary>
internal static class SpecDiff
{
    /// <summary>
    /// Semantic equality through the JSON form: map key order does not matter, as with Go maps under
    /// apimachinery's semantic DeepEqual (clients send maps sorted while stored objects keep their order).
    /// </summary>
    public static bool JsonEqual<T>(T? a, T? b) => ApiJson.SemanticEquals(a, b);

    /// <summary>Lines "- field: old" / "+ field: new" for each top-level field whose JSON differs.</summary>
    public static string Describe<T>(T oldValue, T newValue)
    {
        var o = JsonNode.Parse(ApiJson.Serialize(oldValue)) as JsonObject ?? [];
        var n = JsonNode.Parse(ApiJson.Serialize(newValue)) as JsonObject ?? [];
        var lines = new List<string>();
        foreach (var key in o.Select(kv => kv.Key).Union(n.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
        {
            var a = o[key]?.ToJsonString() ?? "null";
            var b = n[key]?.ToJsonString() ?? "null";
            if (a != b)
            {
                lines.Add($"- {key}: {a}");
                lines.Add($"+ {key}: {b}");
            }
        }

        return string.Join("\n", lines);
    }

    /// <summary>A deep copy through JSON.</summary>
    public static T Clone<T>(T value) => JsonSerializer.Deserialize<T>(ApiJson.Serialize(value), ApiJson.Options)!;
}
