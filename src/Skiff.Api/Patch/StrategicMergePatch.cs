using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Api.Schema;

namespace Skiff.Api.Patch;

/// <summary>
/// Strategic merge patch, as apimachinery's strategicpatch.StrategicMergePatch applies it on the server: maps merge
/// recursively and null deletes; lists whose field carries <c>patchStrategy:"merge"</c> merge by their
/// <c>patchMergeKey</c> (lists of objects) or as sets (lists of scalars); other lists are replaced. The directives
/// <c>$patch: replace|delete</c> (on maps and list elements), <c>$retainKeys</c>, <c>$setElementOrder/&lt;list&gt;</c>
/// and <c>$deleteFromPrimitiveList/&lt;list&gt;</c> are honoured. Merge keys and strategies come from
/// <see cref="ModelSchema"/> (the one table in KubernetesFieldFacts); fields the schema does not know merge with
/// Kubernetes' defaults (maps merge, lists are replaced).
/// </summary>
public static class StrategicMergePatch
{
    private const string DirectiveMarker = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    /// <summary>Parses <paramref name="patch"/> and applies it to <paramref name="original"/> (not modified) of the type <paramref name="schema"/> describes.</summary>
    public static JsonNode Apply(JsonNode? original, ReadOnlySpan<byte> patch, ModelSchema? schema)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(patch);
        }
        catch (JsonException e)
        {
            throw new PatchException($"error decoding patch: {e.Message}");
        }

        if (parsed is not JsonObject patchObject)
        {
            throw new PatchException("json: cannot unmarshal " + Describe(parsed) + " into Go value of type map[string]interface {}");
        }

        return Apply(original, patchObject, schema);
    }

    /// <summary>Applies a parsed patch; neither argument is modified.</summary>
    public static JsonObject Apply(JsonNode? original, JsonObject patch, ModelSchema? schema)
    {
        var target = original is JsonObject o ? (JsonObject)o.DeepClone() : new JsonObject();
        return MergeMap(target, patch, schema);
    }

    // ---- maps ---------------------------------------------------------------------------------------------

    private static JsonObject MergeMap(JsonObject original, JsonObject patch, ModelSchema? schema)
    {
        if (patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            switch (StringOf(directive))
            {
                case "replace":
                    // "$patch: replace" on a map: the patch (without the marker) is the new value.
                    var replacement = (JsonObject)Clean(patch)!;
                    return replacement;
                case "delete":
                    return [];
                default:
                    throw new PatchException($"unknown patch type: {StringOf(directive) ?? directive?.ToJsonString()} in map: {GoMap(patch)}");
            }
        }

        if (patch.TryGetPropertyValue(RetainKeysDirective, out var retain))
        {
            ApplyRetainKeys(original, patch, retain);
        }

        var handled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                var listKey = key[SetElementOrderPrefix.Length..];
                ApplySetElementOrder(original, patch, listKey, value, schema);
                handled.Add(listKey);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key == DirectiveMarker || key == RetainKeysDirective || handled.Contains(key)
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                DeleteFromPrimitiveList(original, key[DeleteFromPrimitiveListPrefix.Length..], value);
                continue;
            }

            if (value is null)
            {
                original.Remove(key);
                continue;
            }

            var (childSchema, meta) = Lookup(schema, key);
            original.TryGetPropertyValue(key, out var current);
            switch (value)
            {
                case JsonObject patchMap:
                    if (current is JsonObject currentMap)
                    {
                        original[key] = MergeMap((JsonObject)currentMap.DeepClone(), patchMap, childSchema);
                    }
                    else if (current is null && StringOf(patchMap[DirectiveMarker]) == "delete")
                    {
                        // Deleting a map that is not there leaves nothing behind.
                        original.Remove(key);
                    }
                    else
                    {
                        original[key] = MergeMap([], patchMap, childSchema);
                    }

                    break;
                case JsonArray patchList:
                    if (IsMergeList(meta))
                    {
                        var currentList = current as JsonArray ?? [];
                        original[key] = MergeList(currentList, patchList, childSchema?.Items, meta!.PatchMergeKey, key);
                    }
                    else
                    {
                        original[key] = Clean(patchList);
                    }

                    break;
                default:
                    original[key] = value.DeepClone();
                    break;
            }
        }

        return original;
    }

    private static void ApplyRetainKeys(JsonObject original, JsonObject patch, JsonNode? retain)
    {
        if (retain is not JsonArray keys)
        {
            throw new PatchException($"expected a slice, but received a {GoKind(retain)}");
        }

        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            if (StringOf(k) is { } s)
            {
                allowed.Add(s);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (value is null || key.StartsWith('$'))
            {
                continue;
            }

            // apimachinery refuses a patch that sets a field its own $retainKeys would clear.
            if (!allowed.Contains(key))
            {
                throw new PatchException("invalid patch format of retainKeys");
            }
        }

        foreach (var key in original.Select(kv => kv.Key).ToList())
        {
            if (!allowed.Contains(key))
            {
                original.Remove(key);
            }
        }
    }

    private static void DeleteFromPrimitiveList(JsonObject original, string listKey, JsonNode? values)
    {
        if (values is not JsonArray remove)
        {
            throw new PatchException("invalid patch format of primitive list");
        }

        if (original[listKey] is not JsonArray list)
        {
            return;
        }

        var kept = list.Where(item => !remove.Any(r => JsonNode.DeepEquals(r, item))).Select(n => n?.DeepClone()).ToArray();
        original[listKey] = new JsonArray(kept);
    }

    // ---- lists --------------------------------------------------------------------------------------------

    private static bool IsMergeList(PatchMetadata? meta) =>
        meta?.PatchStrategy?.Split(',').Any(s => s.Trim() == "merge") == true;

    private static JsonArray MergeList(JsonArray original, JsonArray patch, ModelSchema? itemSchema, string? mergeKey, string field)
    {
        var originalItems = original.Select(n => n?.DeepClone()).ToList();
        if (originalItems.Count == 0 && patch.Count == 0)
        {
            return [];
        }

        var isMapList = patch.Concat(original).FirstOrDefault(n => n is not null) is JsonObject;
        List<JsonNode?> merged;
        List<JsonNode?> patchOrder;
        if (!isMapList)
        {
            // A merge list of scalars is a set: union, first occurrence wins.
            if (patch.Any(n => n is JsonObject or JsonArray))
            {
                throw new PatchException("invalid patch format of primitive list");
            }

            merged = [];
            foreach (var item in originalItems.Concat(patch.Select(n => n?.DeepClone())))
            {
                if (!merged.Any(m => JsonNode.DeepEquals(m, item)))
                {
                    merged.Add(item);
                }
            }

            patchOrder = patch.ToList();
        }
        else
        {
            if (mergeKey is null)
            {
                throw new PatchException($"cannot merge lists without merge key for {field}");
            }

            var (withoutSpecial, replace) = ApplySpecialElements(originalItems, patch, mergeKey);
            if (replace)
            {
                return new JsonArray(withoutSpecial.Select(n => Clean(n)).ToArray());
            }

            merged = originalItems;
            foreach (var p in withoutSpecial)
            {
                if (p is not JsonObject pm)
                {
                    throw new PatchException($"expected a map, but received a {GoKind(p)}");
                }

                if (!pm.TryGetPropertyValue(mergeKey, out var keyValue))
                {
                    throw new PatchException($"map: {GoMap(pm)} does not contain declared merge key: {mergeKey}");
                }

                var index = merged.FindIndex(m => m is JsonObject mo && mo.TryGetPropertyValue(mergeKey, out var mk) && JsonNode.DeepEquals(mk, keyValue));
                if (index >= 0)
                {
                    merged[index] = MergeMap((JsonObject)merged[index]!, pm, itemSchema);
                }
                else
                {
                    merged.Add(MergeMap([], pm, itemSchema));
                }
            }

            patchOrder = patch.ToList();
        }

        var ordered = NormalizeOrder(merged, patchOrder, original.ToList(), isMapList ? mergeKey : null);
        return new JsonArray(ordered.ToArray());
    }

    /// <summary>Handles list elements carrying <c>$patch</c>: delete removes by merge key, replace makes the rest of the patch the list.</summary>
    private static (List<JsonNode?> Remaining, bool Replace) ApplySpecialElements(List<JsonNode?> original, JsonArray patch, string mergeKey)
    {
        var rest = new List<JsonNode?>();
        var replace = false;
        foreach (var p in patch)
        {
            if (p is not JsonObject pm || !pm.TryGetPropertyValue(DirectiveMarker, out var directive))
            {
                rest.Add(p);
                continue;
            }

            switch (StringOf(directive))
            {
                case "delete":
                    if (!pm.TryGetPropertyValue(mergeKey, out var keyValue))
                    {
                        throw new PatchException($"map: {GoMap(pm)} does not contain declared merge key: {mergeKey}");
                    }

                    original.RemoveAll(o => o is JsonObject oo && oo.TryGetPropertyValue(mergeKey, out var ok) && JsonNode.DeepEquals(ok, keyValue));
                    break;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    throw new PatchException("merging lists cannot yet be specified in the patch");
                default:
                    throw new PatchException($"unknown patch type: {StringOf(directive) ?? directive?.ToJsonString()} in map: {GoMap(pm)}");
            }
        }

        return (rest, replace);
    }

    private static void ApplySetElementOrder(JsonObject original, JsonObject patch, string listKey, JsonNode? orderNode, ModelSchema? schema)
    {
        if (orderNode is not JsonArray order)
        {
            throw new PatchException("invalid patch format of setElementOrder list");
        }

        var (childSchema, meta) = Lookup(schema, listKey);
        var mergeKey = meta?.PatchMergeKey;
        var patchList = patch[listKey] as JsonArray;
        if (patch.ContainsKey(listKey) && patch[listKey] is not (JsonArray or null))
        {
            throw new PatchException("invalid patch format of setElementOrder list");
        }

        var isMapList = order.Concat(patchList ?? []).FirstOrDefault(n => n is not null) is JsonObject;
        var key = isMapList ? mergeKey : null;
        if (isMapList && key is null)
        {
            throw new PatchException($"cannot merge lists without merge key for {listKey}");
        }

        if (patchList is not null)
        {
            ValidateAgainstOrder(patchList, order, key);
        }

        var originalList = original[listKey] as JsonArray ?? [];
        JsonArray merged;
        if (patchList is null)
        {
            merged = (JsonArray)originalList.DeepClone();
        }
        else if (IsMergeList(meta))
        {
            merged = MergeList(originalList, patchList, childSchema?.Items, mergeKey, listKey);
        }
        else
        {
            merged = (JsonArray)Clean(patchList)!;
        }

        var items = merged.Select(n => n?.DeepClone()).ToList();
        var ordered = NormalizeOrder(items, order.ToList(), originalList.ToList(), key);
        if (ordered.Count > 0 || original.ContainsKey(listKey))
        {
            original[listKey] = new JsonArray(ordered.ToArray());
        }
    }

    private static void ValidateAgainstOrder(JsonArray patchList, JsonArray order, string? mergeKey)
    {
        var items = patchList.Where(p => !(p is JsonObject o && o.ContainsKey(DirectiveMarker))).ToList();
        int pi = 0, oi = 0;
        while (pi < items.Count && oi < order.Count)
        {
            if (SameItem(items[pi], order[oi], mergeKey))
            {
                pi++;
            }

            oi++;
        }

        if (pi < items.Count)
        {
            throw new PatchException($"The order in patch list:\n{GoValue(patchList)}\n doesn't match $setElementOrder list:\n{GoValue(order)}\n");
        }
    }

    /// <summary>
    /// Orders a merged list as apimachinery's normalizeElementOrder: elements named by the patch (or its
    /// $setElementOrder list) in that order, elements only the server had in their old order, the two
    /// interleaved so that server-only elements keep their place relative to elements they preceded.
    /// </summary>
    private static List<JsonNode?> NormalizeOrder(List<JsonNode?> merged, List<JsonNode?> patchOrder, List<JsonNode?> serverOrder, string? mergeKey)
    {
        var patchItems = new List<JsonNode?>();
        var serverOnly = new List<JsonNode?>();
        foreach (var item in merged)
        {
            (IndexOf(patchOrder, item, mergeKey) >= 0 ? patchItems : serverOnly).Add(item);
        }

        patchItems = SortBy(patchItems, patchOrder, mergeKey);
        serverOnly = SortBy(serverOnly, serverOrder, mergeKey);
        var result = new List<JsonNode?>(merged.Count);
        int i = 0, j = 0;
        while (i < serverOnly.Count || j < patchItems.Count)
        {
            if (j >= patchItems.Count)
            {
                result.Add(serverOnly[i++]);
            }
            else if (i >= serverOnly.Count)
            {
                result.Add(patchItems[j++]);
            }
            else
            {
                var li = IndexOf(serverOrder, serverOnly[i], mergeKey);
                var ri = IndexOf(serverOrder, patchItems[j], mergeKey);
                result.Add(li >= 0 && ri >= 0 && li < ri ? serverOnly[i++] : patchItems[j++]);
            }
        }

        return result;
    }

    private static List<JsonNode?> SortBy(List<JsonNode?> items, List<JsonNode?> order, string? mergeKey) =>
        items.Select((item, n) => (item, n, at: IndexOf(order, item, mergeKey)))
            .OrderBy(t => t.at < 0 ? int.MaxValue : t.at)
            .ThenBy(t => t.n)
            .Select(t => t.item)
            .ToList();

    private static int IndexOf(List<JsonNode?> list, JsonNode? item, string? mergeKey)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (SameItem(list[i], item, mergeKey))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool SameItem(JsonNode? a, JsonNode? b, string? mergeKey)
    {
        if (mergeKey is null)
        {
            return JsonNode.DeepEquals(a, b);
        }

        return a is JsonObject ao && b is JsonObject bo
            && ao.TryGetPropertyValue(mergeKey, out var ak) && bo.TryGetPropertyValue(mergeKey, out var bk)
            && JsonNode.DeepEquals(ak, bk);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static (ModelSchema? Schema, PatchMetadata? Meta) Lookup(ModelSchema? parent, string key) => parent?.Kind switch
    {
        SchemaKind.Object when parent.FindProperty(key) is { } p => (p.Schema, p.Patch),
        SchemaKind.Map => (parent.Items, null),
        _ => (null, null),
    };

    /// <summary>A copy of a patch value with nulls and directives removed, for values the patch introduces whole.</summary>
    private static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (k, v) in o)
                {
                    if (v is null || k == DirectiveMarker || k == RetainKeysDirective
                        || k.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) || k.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    result[k] = Clean(v);
                }

                return result;
            case JsonArray a:
                return new JsonArray(a.Where(e => !(e is JsonObject eo && eo.ContainsKey(DirectiveMarker) && eo.Count == 1)).Select(Clean).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "string",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => "number",
        _ => "bool",
    };

    private static string GoKind(JsonNode? node) => node switch
    {
        JsonObject => "map",
        JsonArray => "slice",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "string",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => "float64",
        JsonValue => "bool",
        _ => "nil",
    };

    /// <summary>Prints a map the way Go's %v prints map[string]interface{} (sorted keys), as apimachinery's messages do.</summary>
    private static string GoMap(JsonObject o) =>
        "map[" + string.Join(" ", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{GoValue(kv.Value)}")) + "]";

    private static string GoValue(JsonNode? node) => node switch
    {
        null => "<nil>",
        JsonObject o => GoMap(o),
        JsonArray a => "[" + string.Join(" ", a.Select(GoValue)) + "]",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
