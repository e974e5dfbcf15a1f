using System.Text.Json.Nodes;
using Skiff.Api.Schema;

namespace Skiff.Api.ManagedFields;

/// <summary>How server-side apply treats one value: as a leaf, a granular struct or map, or a list keyed by map keys, by value or atomically.</summary>
internal readonly record struct FieldShape(ModelSchema? Schema, PatchMetadata? Meta)
{
    // Kubernetes publishes these list-map keys with defaults, so structured-merge-diff fills them in when an
    // applied configuration omits them (a container port applied without protocol is the TCP one).
    private static readonly Dictionary<string, JsonNode> KeyDefaults = new(StringComparer.Ordinal) { ["protocol"] = "TCP" };

    // Element keys carry JSON text as it is (no \u0022 for quotes), as structured-merge-diff writes them.
    private static readonly System.Text.Json.JsonSerializerOptions ElementJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public ShapeKind Kind
    {
        get
        {
            if (Schema is null || Schema.Kind == SchemaKind.Any)
            {
                return ShapeKind.Untyped;
            }

            if (Meta?.MapType == "atomic" || KubernetesFieldFacts.IsAtomicType(Schema.ClrType))
            {
                return ShapeKind.Leaf;
            }

            return Schema.Kind switch
            {
                SchemaKind.Object => ShapeKind.Struct,
                SchemaKind.Map => ShapeKind.Map,
                SchemaKind.List => Meta?.ListType switch
                {
                    "map" when Meta.ListMapKeys.Count > 0 => ShapeKind.KeyedList,
                    "set" => ShapeKind.SetList,
                    _ => ShapeKind.Leaf,
                },
                _ => ShapeKind.Leaf,
            };
        }
    }

    /// <summary>The shape of the value of field <paramref name="key"/> inside a struct or map of this shape.</summary>
    public FieldShape Field(string key) => Schema?.Kind switch
    {
        SchemaKind.Object when Schema.FindProperty(key) is { } p => new FieldShape(p.Schema, p.Patch),
        SchemaKind.Map => new FieldShape(Schema.Items, null),
        _ => default,
    };

    /// <summary>Whether <paramref name="key"/> is a declared struct field (not a map entry).</summary>
    public bool IsDeclared(string key) => Schema?.Kind == SchemaKind.Object && Schema.FindProperty(key) is not null;

    public FieldShape Item => new(Schema?.Items, null);

    /// <summary>The path element of a list item: <c>k:{...}</c> for keyed lists, <c>v:...</c> for sets, <c>i:N</c> otherwise.</summary>
    public string ItemElement(JsonNode? item, int index)
    {
        switch (Kind)
        {
            case ShapeKind.KeyedList when item is JsonObject o:
                var key = new JsonObject();
                foreach (var k in Meta!.ListMapKeys.Order(StringComparer.Ordinal))
                {
                    if (o.TryGetPropertyValue(k, out var v) && v is not null)
                    {
                        key[k] = v.DeepClone();
                    }
                    else if (KeyDefaults.TryGetValue(k, out var d))
                    {
                        key[k] = d.DeepClone();
                    }
                }

                return "k:" + key.ToJsonString(ElementJson);
            case ShapeKind.SetList:
                return "v:" + (item?.ToJsonString(ElementJson) ?? "null");
            default:
                return "i:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
