using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Schema;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// Writes one OpenAPI document (v3 for a group-version, or the v2 document of everything) from the
/// catalog and the model schemas, in the shape kube-apiserver publishes: the REST operations of each
/// resource with their query parameters, and the definitions the operations reach, named like
/// Kubernetes' Go types. One builder writes one document; it is not thread-safe.
/// </summary>
internal sealed class OpenApiDocumentBuilder
{
    /// <summary>The Kubernetes release whose API the models describe; reported in <c>info.version</c>.</summary>
    public const string KubernetesVersion = "v1.33.0";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] PatchContentTypes =
        ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

    private readonly DefinitionNames _names;
    private readonly ModelDocumentation _docs;
    private readonly IReadOnlyDictionary<Type, IReadOnlyList<GroupVersionKind>> _gvks;
    private readonly bool _v3;
    private readonly string _refPrefix;
    private readonly HashSet<Type> _queued = [];
    private readonly Queue<Type> _pending = new();
    private readonly SortedSet<string> _specials = new(StringComparer.Ordinal);
    private Utf8JsonWriter _w = null!;

    public OpenApiDocumentBuilder(DefinitionNames names, ModelDocumentation docs,
        IReadOnlyDictionary<Type, IReadOnlyList<GroupVersionKind>> gvks, bool v3)
    {
        _names = names;
        _docs = docs;
        _gvks = gvks;
        _v3 = v3;
        _refPrefix = v3 ? "#/components/schemas/" : "#/definitions/";
    }

    /// <summary>Writes the document for the given resources (one group-version for v3, all for v2).</summary>
    public byte[] Build(IReadOnlyList<ResourceInfo> resources)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (_w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            _w.WriteStartObject();
            if (_v3)
            {
                _w.WriteString("openapi", "3.0.0");
            }
            else
            {
                _w.WriteString("swagger", "2.0");
            }

            _w.WriteStartObject("info");
            _w.WriteString("title", "Kubernetes");
            _w.WriteString("version", KubernetesVersion);
            _w.WriteEndObject();

            _w.WriteStartObject("paths");
            foreach (var groupVersion in resources.GroupBy(r => r.ApiVersion))
            {
                WriteGroupVersionPaths(groupVersion.Key, [.. groupVersion]);
            }

            _w.WriteEndObject();

            if (_v3)
            {
                _w.WriteStartObject("components");
                _w.WriteStartObject("schemas");
                WriteDefinitions();
                _w.WriteEndObject();
                WriteV3SecuritySchemes();
                _w.WriteEndObject();
                _w.WriteStartArray("security");
                _w.WriteStartObject();
                _w.WriteStartArray("BearerToken");
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndArray();
            }
            else
            {
                _w.WriteStartObject("definitions");
                WriteDefinitions();
                _w.WriteEndObject();
                _w.WriteStartArray("security");
                _w.WriteStartObject();
                _w.WriteStartArray("BearerToken");
                _w.WriteEndArray();
                _w.WriteEndObject();
                _w.WriteEndArray();
                _w.WriteStartObject("securityDefinitions");
                _w.WriteStartObject("BearerToken");
                _w.WriteString("description", "Bearer Token authentication");
                _w.WriteString("in", "header");
                _w.WriteString("name", "authorization");
                _w.WriteString("type", "apiKey");
                _w.WriteEndObject();
                _w.WriteEndObject();
            }

            _w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void WriteV3SecuritySchemes()
    {
        _w.WriteStartObject("securitySchemes");
        _w.WriteStartObject("BearerToken");
        _w.WriteString("description", "Bearer Token authentication");
        _w.WriteString("in", "header");
        _w.WriteString("name", "authorization");
        _w.WriteString("type", "apiKey");
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---- paths -------------------------------------------------------------------------------

    private void WriteGroupVersionPaths(string apiVersion, IReadOnlyList<ResourceInfo> resources)
    {
        var first = resources[0];
        var prefix = first.Group.Length == 0 ? $"/api/{first.Version}" : $"/apis/{first.Group}/{first.Version}";
        var ids = OperationNames.GroupVersion(first.Group, first.Version);
        var tag = OperationNames.Tag(first.Group, first.Version);

        _w.WriteStartObject(prefix + "/");
        WriteOperation("get", new Operation("get available resources", $"get{ids}APIResources", null, tag)
        {
            Response = Require(typeof(V1APIResourceList)),
        });
        _w.WriteEndObject();

        foreach (var resource in resources)
        {
            WriteResourcePaths(prefix, ids, tag, resource);
        }
    }

    private void WriteResourcePaths(string prefix, string ids, string tag, ResourceInfo r)
    {
        var gvk = new GroupVersionKind(r.Group, r.Version, r.Kind);
        var kind = Require(r.Type);
        var list = Require(r.ListType);
        var status = Require(typeof(V1Status));
        var scope = r.Namespaced ? "Namespaced" : "";
        var collection = r.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{r.Plural}" : $"{prefix}/{r.Plural}";
        var item = collection + "/{name}";
        var scopeParameters = r.Namespaced ? new[] { OpenApiParameter.Namespace } : [];
        var verbs = r.Verbs;

        // Collection: list, create, deletecollection.
        _w.WriteStartObject(collection);
        if (verbs.Contains("list"))
        {
            WriteOperation("get", new Operation($"list or watch objects of kind {r.Kind}", $"list{ids}{scope}{r.Kind}", "list", tag)
            {
                Gvk = gvk, Parameters = OpenApiParameter.ListParameters, Response = list, Streams = true,
            });
        }

        if (verbs.Contains("create"))
        {
            WriteOperation("post", new Operation($"create a{An(r.Kind)} {r.Kind}", $"create{ids}{scope}{r.Kind}", "post", tag)
            {
                Gvk = gvk, Parameters = OpenApiParameter.WriteParameters, Body = kind, Response = kind, Codes = ["200", "201", "202"],
            });
        }

        if (verbs.Contains("deletecollection"))
        {
            WriteOperation("delete", new Operation($"delete collection of {r.Kind}", $"delete{ids}Collection{scope}{r.Kind}", "deletecollection", tag)
            {
                Gvk = gvk, Parameters = OpenApiParameter.DeleteCollectionParameters, Body = Require(typeof(V1DeleteOptions)), Response = status,
            });
        }

        WritePathParameters([.. scopeParameters, OpenApiParameter.Pretty]);
        _w.WriteEndObject();

        // One object: read, replace, patch, delete.
        var itemParameters = new[] { OpenApiParameter.NameOf(r.Kind) }.Concat(scopeParameters).Append(OpenApiParameter.Pretty).ToArray();
        _w.WriteStartObject(item);
        WriteObjectOperations(r, ids, scope, tag, gvk, kind, suffix: "", subject: $"the specified {r.Kind}");
        if (verbs.Contains("delete"))
        {
            WriteOperation("delete", new Operation($"delete a{An(r.Kind)} {r.Kind}", $"delete{ids}{scope}{r.Kind}", "delete", tag)
            {
                Gvk = gvk, Parameters = OpenApiParameter.DeleteParameters, Body = Require(typeof(V1DeleteOptions)), Response = status, Codes = ["200", "202"],
            });
        }

        WritePathParameters(itemParameters);
        _w.WriteEndObject();

        foreach (var sub in r.Subresources)
        {
            if (sub is not ("status" or "scale"))
            {
                continue;
            }

            var isScale = sub == "scale";
            var subKind = isScale ? Require(typeof(V1Scale)) : kind;
            var subGvk = isScale ? new GroupVersionKind("autoscaling", "v1", "Scale") : gvk;
            _w.WriteStartObject($"{item}/{sub}");
            WriteObjectOperations(r, ids, scope, tag, subGvk, subKind, suffix: isScale ? "Scale" : "Status",
                subject: isScale ? $"scale of the specified {r.Kind}" : $"status of the specified {r.Kind}");
            WritePathParameters(itemParameters);
            _w.WriteEndObject();
        }

        if (r.Namespaced && verbs.Contains("list"))
        {
            _w.WriteStartObject($"{prefix}/{r.Plural}");
            WriteOperation("get", new Operation($"list or watch objects of kind {r.Kind}", $"list{ids}{r.Kind}ForAllNamespaces", "list", tag)
            {
                Gvk = gvk, Response = list, Streams = true,
            });
            WritePathParameters([.. OpenApiParameter.ListParameters, OpenApiParameter.Pretty]);
            _w.WriteEndObject();
        }

        if (!verbs.Contains("watch"))
        {
            return;
        }

        // The deprecated /watch/ paths, still published and still used by older clients.
        var watchEvent = Require(typeof(V1WatchEvent));
        var watchCollection = r.Namespaced ? $"{prefix}/watch/namespaces/{{namespace}}/{r.Plural}" : $"{prefix}/watch/{r.Plural}";
        _w.WriteStartObject(watchCollection);
        WriteOperation("get", new Operation(
            $"watch individual changes to a list of {r.Kind}. deprecated: use the 'watch' parameter with a list operation instead.",
            $"watch{ids}{scope}{r.Kind}List", "watchlist", tag) { Gvk = gvk, Response = watchEvent, Streams = true });
        WritePathParameters([.. OpenApiParameter.ListParameters, .. scopeParameters, OpenApiParameter.Pretty]);
        _w.WriteEndObject();

        _w.WriteStartObject(watchCollection + "/{name}");
        WriteOperation("get", new Operation(
            $"watch changes to an object of kind {r.Kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
            $"watch{ids}{scope}{r.Kind}", "watch", tag) { Gvk = gvk, Response = watchEvent, Streams = true });
        WritePathParameters([.. OpenApiParameter.ListParameters, OpenApiParameter.NameOf(r.Kind), .. scopeParameters, OpenApiParameter.Pretty]);
        _w.WriteEndObject();

        if (r.Namespaced)
        {
            _w.WriteStartObject($"{prefix}/watch/{r.Plural}");
            WriteOperation("get", new Operation(
                $"watch individual changes to a list of {r.Kind}. deprecated: use the 'watch' parameter with a list operation instead.",
                $"watch{ids}{r.Kind}ListForAllNamespaces", "watchlist", tag) { Gvk = gvk, Response = watchEvent, Streams = true });
            WritePathParameters([.. OpenApiParameter.ListParameters, OpenApiParameter.Pretty]);
            _w.WriteEndObject();
        }
    }

    private void WriteObjectOperations(ResourceInfo r, string ids, string scope, string tag, GroupVersionKind gvk, string kind,
        string suffix, string subject)
    {
        if (r.Verbs.Contains("get"))
        {
            WriteOperation("get", new Operation($"read {subject}", $"read{ids}{scope}{r.Kind}{suffix}", "get", tag) { Gvk = gvk, Response = kind });
        }

        if (r.Verbs.Contains("update"))
        {
            WriteOperation("put", new Operation($"replace {subject}", $"replace{ids}{scope}{r.Kind}{suffix}", "put", tag)
            {
                Gvk = gvk, Parameters = OpenApiParameter.WriteParameters, Body = kind, Response = kind, Codes = ["200", "201"],
            });
        }

        if (r.Verbs.Contains("patch"))
        {
            WriteOperation("patch", new Operation($"partially update {subject}", $"patch{ids}{scope}{r.Kind}{suffix}", "patch", tag)
            {
                Gvk = gvk, Parameters = OpenApiParameter.PatchParameters, Body = Special(DefinitionNames.Patch), PatchBody = true,
                Response = kind, Codes = ["200", "201"],
            });
        }
    }

    private void WriteOperation(string method, Operation op)
    {
        _w.WriteStartObject(method);
        _w.WriteString("description", op.Description);
        _w.WriteString("operationId", op.Id);
        var parameters = op.Parameters;
        if (!_v3 && op.Body is not null)
        {
            parameters = [new OpenApiParameter("body", "body", "", "", Required: true), .. parameters];
        }

        if (parameters.Count > 0)
        {
            _w.WriteStartArray("parameters");
            foreach (var parameter in parameters)
            {
                if (parameter.In == "body")
                {
                    _w.WriteStartObject();
                    _w.WriteString("in", "body");
                    _w.WriteString("name", "body");
                    _w.WriteBoolean("required", op.Method is not "delete");
                    _w.WritePropertyName("schema");
                    WriteRef(op.Body!);
                    _w.WriteEndObject();
                }
                else
                {
                    WriteParameter(parameter);
                }
            }

            _w.WriteEndArray();
        }

        if (!_v3)
        {
            WriteStrings("consumes", op.PatchBody ? PatchContentTypes : ["*/*"]);
            WriteStrings("produces", op.Streams
                ? ["application/json", "application/yaml", "application/json;stream=watch"]
                : ["application/json", "application/yaml"]);
            _w.WriteStartArray("schemes");
            _w.WriteStringValue("https");
            _w.WriteEndArray();
        }
        else if (op.Body is not null)
        {
            _w.WriteStartObject("requestBody");
            _w.WriteStartObject("content");
            foreach (var contentType in op.PatchBody ? PatchContentTypes : ["*/*"])
            {
                _w.WriteStartObject(contentType);
                _w.WritePropertyName("schema");
                WriteRef(op.Body);
                _w.WriteEndObject();
            }

            _w.WriteEndObject();
            if (op.Method is not "delete")
            {
                _w.WriteBoolean("required", true);
            }

            _w.WriteEndObject();
        }

        _w.WriteStartObject("responses");
        foreach (var code in op.Codes)
        {
            _w.WriteStartObject(code);
            _w.WriteString("description", code switch { "201" => "Created", "202" => "Accepted", _ => "OK" });
            if (_v3)
            {
                _w.WriteStartObject("content");
                foreach (var contentType in op.Streams
                    ? new[] { "application/json", "application/json;stream=watch", "application/yaml" }
                    : ["application/json", "application/yaml"])
                {
                    _w.WriteStartObject(contentType);
                    _w.WritePropertyName("schema");
                    WriteRef(op.Response!);
                    _w.WriteEndObject();
                }

                _w.WriteEndObject();
            }
            else
            {
                _w.WritePropertyName("schema");
                WriteRef(op.Response!);
            }

            _w.WriteEndObject();
        }

        _w.WriteStartObject("401");
        _w.WriteString("description", "Unauthorized");
        _w.WriteEndObject();
        _w.WriteEndObject();

        WriteStrings("tags", [op.Tag]);
        if (op.Action is not null)
        {
            _w.WriteString("x-kubernetes-action", op.Action);
        }

        // kubectl finds an operation's kind (e.g. to learn whether PATCH takes fieldValidation) through this.
        if (op.Gvk is { } gvk)
        {
            _w.WriteStartObject("x-kubernetes-group-version-kind");
            WriteGvkFields(gvk);
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
    }

    private void WritePathParameters(IReadOnlyList<OpenApiParameter> parameters)
    {
        _w.WriteStartArray("parameters");
        foreach (var parameter in parameters)
        {
            WriteParameter(parameter);
        }

        _w.WriteEndArray();
    }

    private void WriteParameter(OpenApiParameter parameter)
    {
        _w.WriteStartObject();
        _w.WriteString("description", parameter.Description);
        _w.WriteString("in", parameter.In);
        _w.WriteString("name", parameter.Name);
        if (parameter.Required)
        {
            _w.WriteBoolean("required", true);
        }

        if (_v3)
        {
            _w.WriteStartObject("schema");
            _w.WriteString("type", parameter.Type);
            _w.WriteBoolean("uniqueItems", true);
            _w.WriteEndObject();
        }
        else
        {
            _w.WriteString("type", parameter.Type);
            _w.WriteBoolean("uniqueItems", true);
        }

        _w.WriteEndObject();
    }

    // ---- definitions -------------------------------------------------------------------------

    private string Require(Type type)
    {
        var name = _names.Of(type);
        if (_queued.Add(type))
        {
            _pending.Enqueue(type);
        }

        return name;
    }

    private string Special(string name)
    {
        _specials.Add(name);
        return name;
    }

    private void WriteDefinitions()
    {
        while (_pending.TryDequeue(out var type))
        {
            WriteObjectDefinition(type);
        }

        foreach (var special in _specials)
        {
            _w.WriteStartObject(special);
            WriteSpecialDefinition(special);
            _w.WriteEndObject();
        }
    }

    private void WriteObjectDefinition(Type type)
    {
        var schema = ModelSchema.Of(type);
        _w.WriteStartObject(_names.Of(type));
        WriteDescription(_docs.ForType(type));
        _w.WriteStartObject("properties");
        foreach (var property in schema.Properties)
        {
            _w.WriteStartObject(property.JsonName);
            WritePropertySchema(property, _docs.ForProperty(type, property.ClrProperty.Name));
            _w.WriteEndObject();
        }

        _w.WriteEndObject();
        var required = schema.Properties.Where(p => p.Required).Select(p => p.JsonName).ToArray();
        if (required.Length > 0)
        {
            WriteStrings("required", required);
        }

        _w.WriteString("type", "object");
        if (_gvks.TryGetValue(type, out var gvks))
        {
            _w.WriteStartArray("x-kubernetes-group-version-kind");
            foreach (var gvk in gvks)
            {
                _w.WriteStartObject();
                WriteGvkFields(gvk);
                _w.WriteEndObject();
            }

            _w.WriteEndArray();
        }

        _w.WriteEndObject();
    }

    private void WritePropertySchema(ModelProperty property, string? description)
    {
        var schema = property.Schema;
        var reference = schema.Kind == SchemaKind.Object
            ? Require(schema.ClrType)
            : DefinitionNames.SpecialOf(schema, property) is { } special ? Special(special) : null;

        if (reference is not null)
        {
            // OpenAPI 3.0 ignores siblings of $ref, so kube-apiserver wraps the reference in allOf
            // whenever it has a description to attach; v2 tolerates the siblings.
            if (_v3 && (description is not null || property.Patch is not null))
            {
                _w.WriteStartArray("allOf");
                _w.WriteStartObject();
                _w.WriteString("$ref", _refPrefix + reference);
                _w.WriteEndObject();
                _w.WriteEndArray();
            }
            else
            {
                _w.WriteString("$ref", _refPrefix + reference);
            }

            WriteDescription(description);
            WritePatchExtensions(property.Patch);
            return;
        }

        WriteDescription(description);
        WriteInlineType(schema, property);
        WritePatchExtensions(property.Patch);
    }

    /// <summary>Writes the members of a schema that is not a named definition (scalars, lists, maps).</summary>
    private void WriteInlineType(ModelSchema schema, ModelProperty? property)
    {
        switch (schema.Kind)
        {
            case SchemaKind.List:
                _w.WritePropertyName("items");
                WriteItemSchema(schema.Items!, property);
                _w.WriteString("type", "array");
                break;
            case SchemaKind.Map:
                _w.WritePropertyName("additionalProperties");
                WriteItemSchema(schema.Items!, property);
                _w.WriteString("type", "object");
                break;
            case SchemaKind.Bytes:
                _w.WriteString("format", "byte");
                _w.WriteString("type", "string");
                break;
            case SchemaKind.Integer or SchemaKind.Number:
                _w.WriteString("format", schema.Format);
                _w.WriteString("type", schema.Kind == SchemaKind.Integer ? "integer" : "number");
                break;
            case SchemaKind.Boolean:
                _w.WriteString("type", "boolean");
                break;
            default:
                _w.WriteString("type", "string");
                break;
        }
    }

    private void WriteItemSchema(ModelSchema schema, ModelProperty? property)
    {
        _w.WriteStartObject();
        var reference = schema.Kind == SchemaKind.Object
            ? Require(schema.ClrType)
            : DefinitionNames.SpecialOf(schema, property) is { } special ? Special(special) : null;
        if (reference is not null)
        {
            _w.WriteString("$ref", _refPrefix + reference);
        }
        else
        {
            WriteInlineType(schema, property);
        }

        _w.WriteEndObject();
    }

    private void WriteSpecialDefinition(string name)
    {
        switch (name)
        {
            case DefinitionNames.IntOrString:
                WriteDescription("IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.");
                _w.WriteString("format", "int-or-string");
                if (_v3)
                {
                    WriteOneOf("integer", "string");
                    _w.WriteBoolean("x-kubernetes-int-or-string", true);
                }
                else
                {
                    _w.WriteString("type", "string");
                }

                break;
            case DefinitionNames.Quantity:
                WriteDescription("Quantity is a fixed-point representation of a number, serialized as a string such as \"100m\", \"1.5Gi\" or \"2\": a signed number followed by a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (m, k, M, G, T, P, E) or a decimal exponent (e3). It provides convenient marshaling and unmarshaling in JSON and YAML.");
                if (_v3)
                {
                    WriteOneOf("string", "number");
                }
                else
                {
                    _w.WriteString("type", "string");
                }

                break;
            case DefinitionNames.Time:
                WriteDescription("Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. Wrappers are provided for many of the factory methods that the time package offers.");
                _w.WriteString("format", "date-time");
                _w.WriteString("type", "string");
                break;
            case DefinitionNames.MicroTime:
                WriteDescription("MicroTime is version of Time with microsecond level precision.");
                _w.WriteString("format", "date-time");
                _w.WriteString("type", "string");
                break;
            case DefinitionNames.FieldsV1:
                WriteDescription("FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format. Each key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map; 'v:<value>', where <value> is the exact json formatted value of a list item; 'i:<index>', where <index> is position of a item in a list; 'k:<keys>', where <keys> is a map of a list item's key fields to their unique values.");
                _w.WriteString("type", "object");
                break;
            case DefinitionNames.Patch:
                WriteDescription("Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.");
                _w.WriteString("type", "object");
                break;
            default:
                WriteDescription("RawExtension is used to hold extensions in external versions. It holds an arbitrary embedded object: any JSON value that carries its own apiVersion and kind.");
                _w.WriteString("type", "object");
                break;
        }
    }

    private void WriteOneOf(string first, string second)
    {
        _w.WriteStartArray("oneOf");
        foreach (var type in new[] { first, second })
        {
            _w.WriteStartObject();
            _w.WriteString("type", type);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
    }

    private void WritePatchExtensions(PatchMetadata? patch)
    {
        if (patch is null)
        {
            return;
        }

        if (patch.ListMapKeys.Count > 0)
        {
            WriteStrings("x-kubernetes-list-map-keys", patch.ListMapKeys);
        }

        if (patch.ListType is not null)
        {
            _w.WriteString("x-kubernetes-list-type", patch.ListType);
        }

        if (patch.MapType is not null)
        {
            _w.WriteString("x-kubernetes-map-type", patch.MapType);
        }

        if (patch.PatchMergeKey is not null)
        {
            _w.WriteString("x-kubernetes-patch-merge-key", patch.PatchMergeKey);
        }

        if (patch.PatchStrategy is not null)
        {
            _w.WriteString("x-kubernetes-patch-strategy", patch.PatchStrategy);
        }
    }

    private void WriteRef(string definition)
    {
        _w.WriteStartObject();
        _w.WriteString("$ref", _refPrefix + definition);
        _w.WriteEndObject();
    }

    private void WriteGvkFields(GroupVersionKind gvk)
    {
        _w.WriteString("group", gvk.Group);
        _w.WriteString("kind", gvk.Kind);
        _w.WriteString("version", gvk.Version);
    }

    private void WriteDescription(string? description)
    {
        if (description is not null)
        {
            _w.WriteString("description", description);
        }
    }

    private void WriteStrings(string name, IEnumerable<string> values)
    {
        _w.WriteStartArray(name);
        foreach (var value in values)
        {
            _w.WriteStringValue(value);
        }

        _w.WriteEndArray();
    }

    private static string An(string kind) => kind.Length > 0 && "AEIOU".Contains(kind[0]) ? "n" : "";

    private sealed record Operation(string Description, string Id, string? Action, string Tag)
    {
        public string Method => Action switch { "post" => "post", "put" => "put", "patch" => "patch", "delete" or "deletecollection" => "delete", _ => "get" };

        public GroupVersionKind? Gvk { get; init; }

        public IReadOnlyList<OpenApiParameter> Parameters { get; init; } = [];

        public string? Body { get; init; }

        public bool PatchBody { get; init; }

        public string? Response { get; init; }

        public IReadOnlyList<string> Codes { get; init; } = ["200"];

        /// <summary>Whether the operation can answer with a watch stream.</summary>
        public bool Streams { get; init; }
    }
}
