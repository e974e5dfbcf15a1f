using System.Collections;
using System.Collections.Frozen;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Skiff.Api.Schema;

/// <summary>
/// A cached, reflection-built description of how a KubernetesClient model type looks in JSON: its
/// properties by wire name, and for each whether it is an object, a map, a list or one of Kubernetes'
/// special scalars. Field validation, OpenAPI generation and the patch engines all walk these instead
/// of reflecting again. Instances are immutable once published and safe to share between threads.
/// </summary>
public sealed class ModelSchema
{
    private static readonly ConcurrentDictionary<Type, ModelSchema> Cache = new();
    private static readonly Lock BuildLock = new();

    private FrozenDictionary<string, ModelProperty> _byName = FrozenDictionary<string, ModelProperty>.Empty;
    private FrozenDictionary<string, ModelProperty>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    private ModelSchema(Type clrType, SchemaKind kind, string? format = null)
    {
        ClrType = clrType;
        Kind = kind;
        Format = format;
        _bySpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The model type (nullable wrappers removed).</summary>
    public Type ClrType { get; }

    public SchemaKind Kind { get; }

    /// <summary>OpenAPI format of scalars: int32, int64, double, byte or date-time; null otherwise.</summary>
    public string? Format { get; }

    /// <summary>The element schema of a list or the value schema of a map; null for other kinds.</summary>
    public ModelSchema? Items { get; private set; }

    /// <summary>The properties of an object in wire-name order; empty for other kinds.</summary>
    public IReadOnlyList<ModelProperty> Properties { get; private set; } = [];

    /// <summary>Whether the value is a JSON scalar (string, number, boolean or a special scalar type).</summary>
    public bool IsScalar => Kind is not (SchemaKind.Object or SchemaKind.Map or SchemaKind.List or SchemaKind.Any);

    /// <summary>Looks up a property by its wire name (case-sensitive, as Kubernetes decodes).</summary>
    public ModelProperty? FindProperty(string jsonName) => _byName.GetValueOrDefault(jsonName);

    /// <summary>Looks up a property by its wire name without allocating a string.</summary>
    public ModelProperty? FindProperty(ReadOnlySpan<char> jsonName) =>
        _bySpan.TryGetValue(jsonName, out var property) ? property : null;

    /// <summary>The schema of <typeparamref name="T"/>.</summary>
    public static ModelSchema Of<T>() => Of(typeof(T));

    /// <summary>The schema of a model type, built on first use and cached for the process lifetime.</summary>
    public static ModelSchema Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (Cache.TryGetValue(type, out var cached))
        {
            return cached;
        }

        // Model graphs are cyclic in places (JSONSchemaProps), so a whole graph is built under one lock
        // in a private table and published only when complete: readers never see a half-built schema.
        lock (BuildLock)
        {
            if (Cache.TryGetValue(type, out cached))
            {
                return cached;
            }

            var building = new Dictionary<Type, ModelSchema>();
            var result = Build(type, building);
            foreach (var (t, schema) in building)
            {
                Cache.TryAdd(t, schema);
            }

            return result;
        }
    }

    public override string ToString() => Kind switch
    {
        SchemaKind.Object => ClrType.Name,
        SchemaKind.Map => $"map[string]{Items}",
        SchemaKind.List => $"[]{Items}",
        _ => Format is null ? Kind.ToString() : $"{Kind}({Format})",
    };

    private static ModelSchema Build(Type type, Dictionary<Type, ModelSchema> building)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Cache.TryGetValue(type, out var existing) || building.TryGetValue(type, out existing))
        {
            return existing;
        }

        var scalar = Scalar(type);
        if (scalar is not null)
        {
            building[type] = scalar;
            return scalar;
        }

        if (MapValueType(type) is { } valueType)
        {
            var map = new ModelSchema(type, SchemaKind.Map);
            building[type] = map;
            map.Items = Build(valueType, building);
            return map;
        }

        if (ListElementType(type) is { } elementType)
        {
            var list = new ModelSchema(type, SchemaKind.List);
            building[type] = list;
            list.Items = Build(elementType, building);
            return list;
        }

        var obj = new ModelSchema(type, SchemaKind.Object);
        building[type] = obj;
        obj.FillProperties(building);
        return obj;
    }

    private void FillProperties(Dictionary<Type, ModelSchema> building)
    {
        var candidates = ClrType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name), Property: p))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

        var properties = new List<ModelProperty>(candidates.Count);
        foreach (var (name, clrProperty) in candidates)
        {
            var property = new ModelProperty(name, clrProperty, properties.Count)
            {
                Patch = KubernetesFieldFacts.PatchFor(ClrType, name),
                IsMicroTime = KubernetesFieldFacts.IsMicroTime(ClrType, name),
                // A non-nullable value type cannot be omitted by the generator's models, which mirrors
                // the Go side where such fields are non-pointer and listed as required.
                Required = KubernetesFieldFacts.IsRequired(ClrType, name)
                    || (clrProperty.PropertyType.IsValueType && Nullable.GetUnderlyingType(clrProperty.PropertyType) is null)
                    || (name == "items" && ClrType.Name.EndsWith("List", StringComparison.Ordinal)),
            };
            properties.Add(property);
        }

        Properties = properties;
        _byName = properties.ToFrozenDictionary(p => p.JsonName, StringComparer.Ordinal);
        _bySpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var property in properties)
        {
            property.Schema = Build(property.ClrProperty.PropertyType, building);
        }
    }

    private static ModelSchema? Scalar(Type type)
    {
        if (type == typeof(string) || type.IsEnum)
        {
            return new ModelSchema(type, SchemaKind.String);
        }

        if (type == typeof(bool))
        {
            return new ModelSchema(type, SchemaKind.Boolean);
        }

        if (type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort))
        {
            return new ModelSchema(type, SchemaKind.Integer, "int32");
        }

        if (type == typeof(long) || type == typeof(uint) || type == typeof(ulong))
        {
            return new ModelSchema(type, SchemaKind.Integer, "int64");
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new ModelSchema(type, SchemaKind.Number, "double");
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new ModelSchema(type, SchemaKind.DateTime, "date-time");
        }

        if (type == typeof(byte[]))
        {
            return new ModelSchema(type, SchemaKind.Bytes, "byte");
        }

        if (type == typeof(IntOrString))
        {
            return new ModelSchema(type, SchemaKind.IntOrString, "int-or-string");
        }

        if (type == typeof(ResourceQuantity))
        {
            return new ModelSchema(type, SchemaKind.Quantity);
        }

        if (type == typeof(object) || type == typeof(JsonElement) || type == typeof(System.Text.Json.Nodes.JsonNode)
            || type == typeof(System.Text.Json.Nodes.JsonObject))
        {
            return new ModelSchema(type, SchemaKind.Any);
        }

        return null;
    }

    private static Type? MapValueType(Type type)
    {
        if (type.Namespace?.StartsWith("System.", StringComparison.Ordinal) != true)
        {
            return null;
        }

        foreach (var candidate in SelfAndInterfaces(type))
        {
            if (candidate.IsGenericType)
            {
                var definition = candidate.GetGenericTypeDefinition();
                if ((definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
                    && candidate.GetGenericArguments()[0] == typeof(string))
                {
                    return candidate.GetGenericArguments()[1];
                }
            }
        }

        return null;
    }

    private static Type? ListElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        // Only framework collections are JSON arrays: models that expose an enumerable (list kinds with
        // IItems<T>) are still JSON objects.
        if (!typeof(IEnumerable).IsAssignableFrom(type) || type.Namespace?.StartsWith("System.", StringComparison.Ordinal) != true)
        {
            return null;
        }

        foreach (var candidate in SelfAndInterfaces(type))
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static IEnumerable<Type> SelfAndInterfaces(Type type) => type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces();
}
