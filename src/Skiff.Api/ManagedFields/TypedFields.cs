using System.Text.Json.Nodes;

namespace Skiff.Api.ManagedFields;

/// <summary>
/// The structured-merge-diff operations on JSON objects that server-side apply is built from: the field set of
/// an applied configuration, the comparison of two versions of an object, the merge of a configuration into
/// a live object and the removal of fields nobody manages any more. Walks values with their <see cref="FieldShape"/>.
/// </summary>
internal static class TypedFields
{
    // ---- field set of a configuration (structured-merge-diff's ToFieldSet) ----------------------------------

    public static FieldSet ToFieldSet(JsonNode? value, FieldShape shape)
    {
        var set = new FieldSet();
        Collect(value, shape, set);
        return set;
    }

    private static void Collect(JsonNode? value, FieldShape shape, FieldSet node)
    {
        switch (KindOf(value, shape))
        {
            case ShapeKind.Struct or ShapeKind.Map or ShapeKind.Untyped when value is JsonObject o:
                foreach (var (key, child) in o)
                {
                    var childNode = node.Child("f:" + key);
                    Collect(child, shape.Field(key), childNode);

                    // Declared struct fields are members only when null or empty; map entries always are.
                    if (child is null || child is JsonObject { Count: 0 } || !shape.IsDeclared(key))
                    {
                        childNode.Member = true;
                    }
                }

                break;
            case ShapeKind.KeyedList or ShapeKind.SetList when value is JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    var itemNode = node.Child(shape.ItemElement(a[i], i));
                    Collect(a[i], shape.Item, itemNode);
                    itemNode.Member = true;
                }

                break;
            default:
                node.Member = true;
                break;
        }
    }

    /// <summary>The effective kind of a value: untyped objects are maps, untyped anything else is a leaf.</summary>
    private static ShapeKind KindOf(JsonNode? value, FieldShape shape)
    {
        var kind = shape.Kind;
        if (kind == ShapeKind.Untyped)
        {
            return value is JsonObject ? ShapeKind.Map : ShapeKind.Leaf;
        }

        // A value whose JSON type contradicts the schema is compared and replaced as a whole.
        return kind switch
        {
            ShapeKind.Struct or ShapeKind.Map when value is not JsonObject => ShapeKind.Leaf,
            ShapeKind.KeyedList or ShapeKind.SetList when value is not JsonArray => ShapeKind.Leaf,
            _ => kind,
        };
    }

    // ---- comparison (structured-merge-diff's Compare) ------------------------------------------------------

    /// <summary>Fields that appear, change or disappear going from <paramref name="left"/> to <paramref name="right"/>.</summary>
    public static (FieldSet Added, FieldSet Modified, FieldSet Removed) Compare(JsonNode? left, JsonNode? right, FieldShape shape)
    {
        var added = new FieldSet();
        var modified = new FieldSet();
        var removed = new FieldSet();
        CompareInto(left, right, shape, added, modified, removed);
        return (added, modified, removed);
    }

    private static void CompareInto(JsonNode? l, JsonNode? r, FieldShape shape, FieldSet added, FieldSet modified, FieldSet removed)
    {
        var kind = KindOf(r ?? l, shape);
        if (kind is not ShapeKind.Leaf && l is not null && r is not null && KindOf(l, shape) != KindOf(r, shape))
        {
            kind = ShapeKind.Leaf;
        }

        switch (kind)
        {
            case ShapeKind.Struct or ShapeKind.Map:
            {
                var lo = l as JsonObject;
                var ro = r as JsonObject;
                if ((lo is null || lo.Count == 0) && (ro is null || ro.Count == 0))
                {
                    if (lo is null != ro is null && kind == ShapeKind.Map)
                    {
                        (lo is null ? added : removed).Member = true;
                    }

                    return;
                }

                // A map appearing or disappearing is itself a change (FieldsV1's "."); structs are not tracked as members.
                if (kind == ShapeKind.Map)
                {
                    if (lo is null)
                    {
                        added.Member = true;
                    }
                    else if (ro is null)
                    {
                        removed.Member = true;
                    }
                }

                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var kv in (IEnumerable<KeyValuePair<string, JsonNode?>>?)lo ?? [])
                {
                    keys.Add(kv.Key);
                }

                foreach (var kv in (IEnumerable<KeyValuePair<string, JsonNode?>>?)ro ?? [])
                {
                    keys.Add(kv.Key);
                }

                foreach (var key in keys)
                {
                    var lv = lo?[key];
                    var rv = ro?[key];
                    if (lv is null && rv is null)
                    {
                        continue;
                    }

                    var e = "f:" + key;
                    var a = new FieldSet();
                    var m = new FieldSet();
                    var d = new FieldSet();
                    CompareInto(lv, rv, shape.Field(key), a, m, d);
                    if (!shape.IsDeclared(key) && KindOf(rv ?? lv, shape.Field(key)) is not ShapeKind.Leaf)
                    {
                        // A map entry holding an object is itself a member when it comes or goes.
                        if (lv is null)
                        {
                            a.Member = true;
                        }
                        else if (rv is null)
                        {
                            d.Member = true;
                        }
                    }

                    Attach(added, e, a);
                    Attach(modified, e, m);
                    Attach(removed, e, d);
                }

                return;
            }

            case ShapeKind.KeyedList or ShapeKind.SetList:
            {
                var li = Index(l as JsonArray, shape);
                var ri = Index(r as JsonArray, shape);
                foreach (var (e, lv) in li)
                {
                    if (!ri.ContainsKey(e))
                    {
                        var d = new FieldSet();
                        CompareInto(lv, null, shape.Item, new FieldSet(), new FieldSet(), d);
                        d.Member = true;
                        Attach(removed, e, d);
                    }
                }

                foreach (var (e, rv) in ri)
                {
                    var a = new FieldSet();
                    var m = new FieldSet();
                    var d = new FieldSet();
                    li.TryGetValue(e, out var lv);
                    CompareInto(lv, rv, shape.Item, a, m, d);
                    if (lv is null)
                    {
                        a.Member = true;
                    }

                    Attach(added, e, a);
                    Attach(modified, e, m);
                    Attach(removed, e, d);
                }

                return;
            }

            default:
                if (l is null && r is not null)
                {
                    added.Member = true;
                }
                else if (l is not null && r is null)
                {
                    removed.Member = true;
                }
                else if (!JsonNode.DeepEquals(l, r))
                {
                    modified.Member = true;
                }

                return;
        }
    }

    private static void Attach(FieldSet parent, string element, FieldSet child)
    {
        if (!child.IsEmpty)
        {
            parent.Child(element).UnionWith(child);
        }
    }

    private static Dictionary<string, JsonNode?> Index(JsonArray? list, FieldShape shape)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (list is null)
        {
            return result;
        }

        for (var i = 0; i < list.Count; i++)
        {
            result.TryAdd(shape.ItemElement(list[i], i), list[i]);
        }

        return result;
    }

    // ---- merge (structured-merge-diff's Merge: the configuration wins) -------------------------------------

    public static JsonNode? Merge(JsonNode? live, JsonNode? config, FieldShape shape)
    {
        if (config is null)
        {
            return live?.DeepClone();
        }

        var kind = KindOf(config, shape);
        if (live is null || KindOf(live, shape) != kind)
        {
            kind = ShapeKind.Leaf;
        }

        switch (kind)
        {
            case ShapeKind.Struct or ShapeKind.Map:
            {
                var result = (JsonObject)live!.DeepClone();
                foreach (var (key, value) in (JsonObject)config)
                {
                    if (value is null)
                    {
                        // An applied null clears the field (the typed object has no null to keep).
                        result.Remove(key);
                        continue;
                    }

                    result[key] = Merge(result[key]?.DeepClone(), value, shape.Field(key));
                }

                return result;
            }

            case ShapeKind.KeyedList or ShapeKind.SetList:
                return MergeList((JsonArray)live!, (JsonArray)config, shape);
            default:
                return StripNulls(config);
        }
    }

    /// <summary>
    /// Merges list items by key, in the order structured-merge-diff produces: the configuration's order for its
    /// items, with items only the live list has kept where they were relative to the shared ones.
    /// </summary>
    private static JsonArray MergeList(JsonArray live, JsonArray config, FieldShape shape)
    {
        var lhs = live.Select((v, i) => (Element: shape.ItemElement(v, i), Value: v)).ToList();
        var rhs = config.Select((v, i) => (Element: shape.ItemElement(v, i), Value: v)).ToList();
        var lhsByKey = lhs.GroupBy(x => x.Element).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var rhsByKey = rhs.GroupBy(x => x.Element).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var shared = new Queue<string>(rhs.Select(x => x.Element).Where(lhsByKey.ContainsKey));
        var done = new HashSet<string>(StringComparer.Ordinal);
        var result = new JsonArray();
        string? nextShared = shared.Count > 0 ? shared.Dequeue() : null;
        int li = 0, ri = 0;
        while (li < lhs.Count || ri < rhs.Count)
        {
            if (li < lhs.Count && ri < rhs.Count && lhs[li].Element == rhs[ri].Element)
            {
                var e = lhs[li].Element;
                if (done.Add(e))
                {
                    result.Add(Merge(lhsByKey[e], rhsByKey[e], shape.Item));
                }

                li++;
                ri++;
                nextShared = shared.Count > 0 ? shared.Dequeue() : null;
                continue;
            }

            if (li < lhs.Count)
            {
                var e = lhs[li].Element;
                if (!rhsByKey.ContainsKey(e))
                {
                    if (done.Add(e))
                    {
                        result.Add(lhs[li].Value?.DeepClone());
                    }

                    li++;
                    continue;
                }

                if (done.Contains(e) || (nextShared is not null && nextShared != e))
                {
                    li++;
                    continue;
                }
            }

            if (ri < rhs.Count)
            {
                var e = rhs[ri].Element;
                if (done.Add(e))
                {
                    lhsByKey.TryGetValue(e, out var lv);
                    result.Add(lv is null ? StripNulls(rhsByKey[e]) : Merge(lv, rhsByKey[e], shape.Item));
                }

                ri++;
                if (nextShared == e)
                {
                    nextShared = shared.Count > 0 ? shared.Dequeue() : null;
                }
            }
            else
            {
                li++;
            }
        }

        return result;
    }

    private static JsonNode? StripNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(kv => kv.Value is not null).Select(kv => KeyValuePair.Create(kv.Key, StripNulls(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(StripNulls).ToArray()),
        _ => node?.DeepClone(),
    };

    // ---- removal of fields nobody manages any more ---------------------------------------------------------

    /// <summary>
    /// Removes from <paramref name="value"/> the members of <paramref name="remove"/> that <paramref name="owned"/>
    /// does not hold (neither the path nor anything beneath it), the way apply prunes what a manager stopped applying.
    /// </summary>
    public static void Prune(JsonNode? value, FieldSet remove, FieldSet? owned, FieldShape shape) => Prune(value, remove, owned, shape, null);

    private static void Prune(JsonNode? value, FieldSet remove, FieldSet? owned, FieldShape shape, IReadOnlyList<string>? itemKeys)
    {
        switch (value)
        {
            case JsonObject o:
                foreach (var (e, child) in remove.Children)
                {
                    if (!e.StartsWith("f:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var key = e[2..];

                    // A list item kept for another manager keeps the keys that identify it.
                    if (itemKeys?.Contains(key) == true)
                    {
                        continue;
                    }

                    if (!o.TryGetPropertyValue(key, out var sub))
                    {
                        continue;
                    }

                    var ownedChild = owned?.Find(e);
                    if (child.Member && (ownedChild is null || ownedChild.IsEmpty))
                    {
                        o.Remove(key);
                        continue;
                    }

                    Prune(sub, child, ownedChild, shape.Field(key), null);

                    // A map or list emptied by the removal goes too, as Go's omitempty drops it from the typed object.
                    if (sub is JsonObject { Count: 0 } or JsonArray { Count: 0 } && (ownedChild is null || ownedChild.IsEmpty) && child.Children.Count > 0)
                    {
                        o.Remove(key);
                    }
                }

                break;
            case JsonArray a:
                for (var i = a.Count - 1; i >= 0; i--)
                {
                    var e = shape.ItemElement(a[i], i);
                    if (remove.Find(e) is not { } child)
                    {
                        continue;
                    }

                    var ownedChild = owned?.Find(e);
                    if (child.Member && (ownedChild is null || ownedChild.IsEmpty))
                    {
                        a.RemoveAt(i);
                        continue;
                    }

                    Prune(a[i], child, ownedChild, shape.Item, shape.Kind == ShapeKind.KeyedList ? shape.Meta!.ListMapKeys : null);
                }

                break;
        }
    }
}
