using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Api.Patch;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy and test, addressed by JSON pointers (RFC 6901).</summary>
public static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? doc, ReadOnlySpan<byte> patch)
    {
        JsonArray ops;
        try
        {
            ops = JsonNode.Parse(patch) as JsonArray ?? throw new PatchException("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }
        catch (JsonException e)
        {
            throw new PatchException($"error decoding patch: {e.Message}");
        }

        var root = new JsonObject { ["doc"] = doc?.DeepClone() };
        foreach (var node in ops)
        {
            if (node is not JsonObject op)
            {
                throw new PatchException("json patch operation must be an object");
            }

            var kind = op["op"]?.GetValue<string>() ?? throw new PatchException("Unexpected kind: unknown");
            var path = op["path"]?.GetValue<string>() ?? throw new PatchException($"operation missing path: {op.ToJsonString()}");
            switch (kind)
            {
                case "add":
                    Add(root, path, Value(op));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, Value(op));
                    break;
                case "move":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw new PatchException("move operation missing from");
                    var v = Get(root, from);
                    Remove(root, from);
                    Add(root, path, v);
                    break;
                }

                case "copy":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw new PatchException("copy operation missing from");
                    Add(root, path, Get(root, from)?.DeepClone());
                    break;
                }

                case "test":
                {
                    var actual = Get(root, path);
                    if (!JsonNode.DeepEquals(actual, Value(op)))
                    {
                        throw new PatchException($"testing value {path} failed: test failed", unprocessable: true);
                    }

                    break;
                }

                default:
                    throw new PatchException($"Unexpected kind: {kind}");
            }
        }

        return root["doc"];
    }

    private static JsonNode? Value(JsonObject op) =>
        op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : throw new PatchException($"{op["op"]} operation does not apply: doc is missing value");

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return ["doc"];
        }

        if (pointer[0] != '/')
        {
            throw new PatchException($"JSON pointer must start with '/': {pointer}");
        }

        var list = new List<string> { "doc" };
        list.AddRange(pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")));
        return list;
    }

    private static (JsonNode Parent, string Last) Parent(JsonObject root, string path)
    {
        var tokens = Tokens(path);
        JsonNode? cur = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            cur = Child(cur, tokens[i]) ?? throw new PatchException($"doc is missing path: \"{path}\": missing value", unprocessable: true);
        }

        return (cur!, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode? node, string token) => node switch
    {
        JsonObject o => o.TryGetPropertyValue(token, out var v) ? v : null,
        JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode? Get(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        if (parent is JsonObject o && o.ContainsKey(last))
        {
            return o[last];
        }

        if (parent is JsonArray a && int.TryParse(last, out var i) && i >= 0 && i < a.Count)
        {
            return a[i];
        }

        throw new PatchException($"doc is missing path: \"{path}\": missing value", unprocessable: true);
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                if (last == "-")
                {
                    a.Add(value);
                }
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count)
                {
                    a.Insert(i, value);
                }
                else
                {
                    throw new PatchException($"add operation does not apply: doc is missing path: \"{path}\"", unprocessable: true);
                }

                break;
            default:
                throw new PatchException($"add operation does not apply: doc is missing path: \"{path}\"", unprocessable: true);
        }
    }

    private static void Remove(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw new PatchException($"remove operation does not apply: doc is missing path: \"{path}\"", unprocessable: true);
        }
    }
}
