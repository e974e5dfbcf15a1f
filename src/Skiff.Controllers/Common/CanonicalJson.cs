using System.Text.Json.Nodes;
using k8s;

namespace Skiff.Controllers.Common;

/// <summary>
/// JSON with nulls, empty objects and empty arrays left out: the form in which two objects that Kubernetes'
/// semantic equality (apimachinery's DeepEqual, where nil and empty are equal) deems equal also compare equal
/// as text, whichever client wrote <c>resources: {}</c> or left it out.
/// </summary>
internal static class CanonicalJson
{
    public static string Of(object obj)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(obj));
        return Prune(node)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Prune(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    var pruned = Prune(value);
                    if (pruned is null)
                    {
                        o.Remove(key);
                    }
                }

                return o.Count == 0 ? null : o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    // Elements keep their positions: an element that prunes to nothing stays as {}.
                    if (a[i] is JsonObject or JsonArray && Prune(a[i]) is null)
                    {
                        a[i] = new JsonObject();
                    }
                }

                return a.Count == 0 ? null : a;
            default:
                return node;
        }
    }
}
