using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Api.Patch;

/// <summary>JSON merge patch (RFC 7386): objects merge recursively, null deletes, anything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, ReadOnlySpan<byte> patch)
    {
        JsonNode? p;
        try
        {
            p = JsonNode.Parse(patch);
        }
        catch (JsonException e)
        {
            throw new PatchException($"error decoding patch: {e.Message}");
        }

        return Apply(target, p);
    }

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject po)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject to ? (JsonObject)to.DeepClone() : new JsonObject();
        foreach (var (key, value) in po)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = Apply(result[key], value);
                result[key] = merged;
            }
        }

        return result;
    }
}
