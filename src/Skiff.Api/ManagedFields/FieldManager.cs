using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.Schema;

namespace Skiff.Api.ManagedFields;

/// <summary>
/// Server-side apply's field ownership (kube-apiserver's fieldmanager over structured-merge-diff): every write
/// records which manager set which fields in <c>metadata.managedFields</c>; an update takes the fields it changed
/// from their previous owners; an apply merges a partial configuration into the object, refuses to change
/// fields other managers own unless forced, and removes fields its manager stopped applying when nobody else
/// owns them. Works on the JSON of the request's version with that version's <see cref="ModelSchema"/>.
/// </summary>
public static class FieldManager
{
    private const string Apply_ = "Apply";
    private const string Update_ = "Update";

    // Fields of every object that no manager owns (kube-apiserver's stripMeta manager).
    private static readonly string[] StrippedMeta =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"];

    /// <summary>
    /// The managedFields after a non-apply write (create, update, patch) by <paramref name="request"/>'s manager.
    /// <paramref name="requested"/> are managedFields the client sent; when empty (or unreadable) the live ones
    /// are kept, so clients that know nothing of managedFields cannot wipe them.
    /// </summary>
    public static IList<V1ManagedFieldsEntry>? Update(IList<V1ManagedFieldsEntry>? live, IList<V1ManagedFieldsEntry>? requested,
        JsonNode? liveObject, JsonNode newObject, ModelSchema schema, FieldManagerRequest request)
    {
        List<ManagerEntry> entries;
        try
        {
            entries = requested is { Count: > 0 } ? Decode(requested) : Decode(live);
        }
        catch (FormatException)
        {
            entries = TryDecode(live);
        }

        var shape = new FieldShape(schema, null);
        var (added, modified, removed) = TypedFields.Compare(Strip(liveObject), Strip(newObject), shape);
        var changed = Own(added.Union(modified), request);
        var gone = Own(removed, request);
        var self = Find(entries, request.Manager, Update_, request.ApiVersion, request.Subresource);
        foreach (var e in entries)
        {
            if (e != self)
            {
                e.Fields = e.Fields.Difference(changed).Difference(gone);
            }
        }

        if (!changed.IsEmpty || self is not null)
        {
            self ??= Add(entries, request.Manager, Update_, request.ApiVersion, request.Subresource);
            self.Fields = self.Fields.Difference(gone).Union(changed);
            if (!changed.IsEmpty)
            {
                self.Time = request.Now;
            }
        }

        return Encode(entries);
    }

    /// <summary>
    /// Applies <paramref name="config"/> (a partial object, without managedFields) for the request's manager.
    /// Throws <see cref="ApplyConflictException"/> when it would change fields others own and <paramref name="force"/> is off;
    /// with force, those fields change owner.
    /// </summary>
    public static ApplyResult Apply(IList<V1ManagedFieldsEntry>? live, JsonNode? liveObject, JsonObject config, ModelSchema schema,
        FieldManagerRequest request, bool force)
    {
        var entries = TryDecode(live);
        var shape = new FieldShape(schema, null);
        var liveStripped = Strip(liveObject) as JsonObject ?? [];
        var configSet = Own(TypedFields.ToFieldSet(Strip(config), shape), request);
        var self = Find(entries, request.Manager, Apply_, null, request.Subresource);
        var lastSet = self?.Fields ?? new FieldSet();
        self ??= Add(entries, request.Manager, Apply_, request.ApiVersion, request.Subresource);
        self.ApiVersion = request.ApiVersion;
        self.Fields = configSet;

        var merged = (JsonObject)TypedFields.Merge(liveStripped, config, shape)!;
        if (!lastSet.IsEmpty)
        {
            var owned = new FieldSet();
            foreach (var e in entries)
            {
                owned.UnionWith(e.Fields);
            }

            TypedFields.Prune(merged, lastSet.Difference(configSet), owned, shape);
        }

        var (added, modified, removed) = TypedFields.Compare(liveStripped, Strip(merged), shape);
        var changed = Own(added.Union(modified), request);
        var conflicts = new List<(ManagerEntry Entry, FieldSet Fields)>();
        foreach (var e in entries)
        {
            if (e != self && e.Fields.Intersection(changed) is { IsEmpty: false } clash)
            {
                conflicts.Add((e, clash));
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            throw new ApplyConflictException(conflicts
                .SelectMany(c => c.Fields.Paths().Select(p => new FieldConflict(c.Entry.Describe(), FieldSet.FormatPath(p))))
                .ToList());
        }

        foreach (var (e, clash) in conflicts)
        {
            e.Fields = e.Fields.Difference(clash);
        }

        var gone = Own(removed, request);
        foreach (var e in entries)
        {
            if (e != self)
            {
                e.Fields = e.Fields.Difference(gone);
            }
        }

        if (self.Time is null || !JsonNode.DeepEquals(liveStripped, Strip(merged)))
        {
            self.Time = request.Now;
        }

        return new ApplyResult(merged, Encode(entries));
    }

    /// <summary>Reads managedFields; entries it cannot read are dropped (kube-apiserver then starts afresh too).</summary>
    private static List<ManagerEntry> TryDecode(IList<V1ManagedFieldsEntry>? managed)
    {
        try
        {
            return Decode(managed);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static List<ManagerEntry> Decode(IList<V1ManagedFieldsEntry>? managed)
    {
        var result = new List<ManagerEntry>();
        foreach (var m in managed ?? [])
        {
            if (m is null || string.IsNullOrEmpty(m.Operation) && string.IsNullOrEmpty(m.Manager) && m.FieldsV1 is null)
            {
                // "managedFields: [{}]" is how a client clears managedFields: an entry that owns nothing.
                continue;
            }

            if (m.Operation is not (Apply_ or Update_))
            {
                throw new FormatException($"invalid managedFields operation \"{m.Operation}\"");
            }

            if (m.FieldsType is not (null or "FieldsV1"))
            {
                throw new FormatException($"invalid managedFields fieldsType \"{m.FieldsType}\"");
            }

            JsonNode? fields;
            try
            {
                fields = m.FieldsV1 switch
                {
                    null => null,
                    JsonNode n => n,
                    JsonElement el => JsonNode.Parse(el.GetRawText()),
                    var other => JsonSerializer.SerializeToNode(other),
                };
            }
            catch (JsonException e)
            {
                throw new FormatException(e.Message, e);
            }

            var entry = new ManagerEntry
            {
                Manager = m.Manager ?? string.Empty,
                Operation = m.Operation,
                ApiVersion = m.ApiVersion,
                Subresource = string.IsNullOrEmpty(m.Subresource) ? null : m.Subresource,
                Time = m.Time,
                Fields = FieldSet.FromFieldsV1(fields),
            };
            if (result.FirstOrDefault(x => x.Identity == entry.Identity) is { } same)
            {
                same.Fields = same.Fields.Union(entry.Fields);
            }
            else
            {
                result.Add(entry);
            }
        }

        return result;
    }

    private static IList<V1ManagedFieldsEntry>? Encode(List<ManagerEntry> entries)
    {
        var kept = entries.Where(e => !e.Fields.IsEmpty)
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => e.Time ?? DateTime.MinValue)
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
            .ThenBy(e => e.Subresource, StringComparer.Ordinal)
            .Select(e => new V1ManagedFieldsEntry
            {
                Manager = e.Manager,
                Operation = e.Operation,
                ApiVersion = e.ApiVersion,
                Time = e.Time,
                FieldsType = "FieldsV1",
                FieldsV1 = e.Fields.ToFieldsV1(),
                Subresource = e.Subresource,
            })
            .ToList();
        return kept.Count == 0 ? null : kept;
    }

    private static ManagerEntry? Find(List<ManagerEntry> entries, string manager, string operation, string? apiVersion, string? subresource) =>
        entries.FirstOrDefault(e => e.Manager == manager && e.Operation == operation && e.Subresource == subresource
            && (operation == Apply_ || e.ApiVersion == apiVersion));

    private static ManagerEntry Add(List<ManagerEntry> entries, string manager, string operation, string apiVersion, string? subresource)
    {
        var e = new ManagerEntry { Manager = manager, Operation = operation, ApiVersion = apiVersion, Subresource = subresource };
        entries.Add(e);
        return e;
    }

    /// <summary>The fields a write may own: without the server's metadata and whatever the request's filter resets.</summary>
    private static FieldSet Own(FieldSet set, FieldManagerRequest request)
    {
        var result = set.Clone();
        result.RemoveChild("f:apiVersion");
        result.RemoveChild("f:kind");
        if (result.Find("f:metadata") is { } meta)
        {
            foreach (var f in StrippedMeta)
            {
                meta.RemoveChild("f:" + f);
            }

            if (meta.IsEmpty)
            {
                result.RemoveChild("f:metadata");
            }
        }

        return request.Filter is null ? result : request.Filter(result);
    }

    /// <summary>A copy of an object without metadata.managedFields, which is never compared or merged.</summary>
    private static JsonNode? Strip(JsonNode? obj)
    {
        if (obj is not JsonObject o)
        {
            return obj;
        }

        var copy = (JsonObject)o.DeepClone();
        if (copy["metadata"] is JsonObject meta)
        {
            meta.Remove("managedFields");
        }

        return copy;
    }
}
