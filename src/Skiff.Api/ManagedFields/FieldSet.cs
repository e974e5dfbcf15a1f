using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Api.ManagedFields;

/// <summary>
/// A set of field paths as server-side apply tracks them (structured-merge-diff's fieldpath.Set): a tree whose
/// edges are path elements in FieldsV1 spelling (<c>f:name</c>, <c>k:{"name":"x"}</c>, <c>v:"x"</c>,
/// <c>i:0</c>) and whose nodes may themselves be members (FieldsV1's <c>".": {}</c>). Not thread-safe.
/// </summary>
public sealed class FieldSet
{
    private SortedDictionary<string, FieldSet>? _children;

    /// <summary>Whether the path ending at this node is itself in the set.</summary>
    public bool Member { get; set; }

    public IReadOnlyDictionary<string, FieldSet> Children => (IReadOnlyDictionary<string, FieldSet>?)_children ?? EmptyChildren;

    private static readonly SortedDictionary<string, FieldSet> EmptyChildren = new(StringComparer.Ordinal);

    public bool IsEmpty => !Member && (_children is null || _children.Values.All(c => c.IsEmpty));

    /// <summary>The child for one path element, created when missing.</summary>
    public FieldSet Child(string element)
    {
        _children ??= new SortedDictionary<string, FieldSet>(StringComparer.Ordinal);
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }

        return child;
    }

    public FieldSet? Find(string element) => _children is not null && _children.TryGetValue(element, out var c) ? c : null;

    public void RemoveChild(string element) => _children?.Remove(element);

    public FieldSet Clone()
    {
        var copy = new FieldSet { Member = Member };
        if (_children is not null)
        {
            foreach (var (k, v) in _children)
            {
                copy.Child(k).CopyFrom(v);
            }
        }

        return copy;
    }

    private void CopyFrom(FieldSet other)
    {
        Member = other.Member;
        foreach (var (k, v) in other.Children)
        {
            Child(k).CopyFrom(v);
        }
    }

    /// <summary>Paths in this set or in <paramref name="other"/>.</summary>
    public FieldSet Union(FieldSet other)
    {
        var result = Clone();
        result.UnionWith(other);
        return result;
    }

    public void UnionWith(FieldSet other)
    {
        Member |= other.Member;
        foreach (var (k, v) in other.Children)
        {
            Child(k).UnionWith(v);
        }
    }

    /// <summary>Paths in this set and not in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet { Member = Member && !other.Member };
        foreach (var (k, v) in Children)
        {
            var o = other.Find(k);
            var d = o is null ? v.Clone() : v.Difference(o);
            if (!d.IsEmpty)
            {
                result.Child(k).CopyFrom(d);
            }
        }

        return result;
    }

    /// <summary>Paths in both sets.</summary>
    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet { Member = Member && other.Member };
        foreach (var (k, v) in Children)
        {
            if (other.Find(k) is { } o)
            {
                var i = v.Intersection(o);
                if (!i.IsEmpty)
                {
                    result.Child(k).CopyFrom(i);
                }
            }
        }

        return result;
    }

    /// <summary>Every member path, each as its list of elements, in sorted order.</summary>
    public IEnumerable<IReadOnlyList<string>> Paths()
    {
        var prefix = new List<string>();
        return Walk(this, prefix);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldSet node, List<string> prefix)
        {
            if (node.Member)
            {
                yield return prefix.ToArray();
            }

            foreach (var (k, v) in node.Children)
            {
                prefix.Add(k);
                foreach (var p in Walk(v, prefix))
                {
                    yield return p;
                }

                prefix.RemoveAt(prefix.Count - 1);
            }
        }
    }

    public bool SetEquals(FieldSet other) => Difference(other).IsEmpty && other.Difference(this).IsEmpty;

    /// <summary>The FieldsV1 JSON of the set, e.g. <c>{"f:spec":{"f:replicas":{}}}</c>.</summary>
    public JsonObject ToFieldsV1()
    {
        var o = new JsonObject();
        if (Member && Children.Count > 0)
        {
            o["."] = new JsonObject();
        }

        foreach (var (k, v) in Children)
        {
            if (!v.IsEmpty)
            {
                o[k] = v.ToFieldsV1();
            }
        }

        return o;
    }

    /// <summary>Reads FieldsV1 JSON; throws <see cref="FormatException"/> when it is not a tree of objects.</summary>
    public static FieldSet FromFieldsV1(JsonNode? node)
    {
        var set = new FieldSet();
        if (node is null)
        {
            return set;
        }

        if (node is not JsonObject o)
        {
            throw new FormatException("FieldsV1 must be a JSON object");
        }

        foreach (var (k, v) in o)
        {
            if (k == ".")
            {
                set.Member = true;
                continue;
            }

            if (k.Length < 2 || k[1] != ':' || k[0] is not ('f' or 'k' or 'v' or 'i'))
            {
                throw new FormatException($"unexpected path element in FieldsV1: {k}");
            }

            var child = FromFieldsV1(v);
            if (child.Children.Count == 0)
            {
                child.Member = true;
            }

            set.Child(k).CopyFrom(child);
        }

        return set;
    }

    /// <summary>A path in structured-merge-diff's text form, e.g. <c>.spec.containers[name="web"].image</c>.</summary>
    public static string FormatPath(IReadOnlyList<string> elements)
    {
        var sb = new StringBuilder();
        foreach (var e in elements)
        {
            var body = e[2..];
            switch (e[0])
            {
                case 'f':
                    sb.Append('.').Append(body);
                    break;
                case 'i':
                    sb.Append('[').Append(body).Append(']');
                    break;
                case 'v':
                    sb.Append("[=").Append(body).Append(']');
                    break;
                default:
                    var keys = JsonNode.Parse(body) as JsonObject ?? [];
                    sb.Append('[').Append(string.Join(",", keys.Select(kv => $"{kv.Key}={kv.Value?.ToJsonString(PathJson)}"))).Append(']');
                    break;
            }
        }

        return sb.ToString();
    }

    private static readonly JsonSerializerOptions PathJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override string ToString() => ToFieldsV1().ToJsonString();
}
