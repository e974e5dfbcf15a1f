using System.Text.RegularExpressions;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Schema;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// Gives each model type its Kubernetes OpenAPI definition name (V1PodSpec →
/// <c>io.k8s.api.core.v1.PodSpec</c>). The models drop the Go package, so it is worked out: the
/// version comes from the class name, apimachinery's meta types are known by name, a class name with
/// a group prefix (Corev1Event, Eventsv1Event) names its group, and every other type takes the group
/// of the first served kind (in catalog order, core first) from which it is reachable.
/// </summary>
internal sealed partial class DefinitionNames
{
    public const string IntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    public const string Quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    public const string Time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
    public const string MicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
    public const string RawExtension = "io.k8s.apimachinery.pkg.runtime.RawExtension";
    public const string FieldsV1 = "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1";
    public const string Patch = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
    public const string MetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    // Types of k8s.io/apimachinery/pkg/apis/meta/v1 that the models name like API types.
    private static readonly HashSet<string> MetaKinds =
    [
        "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
        "Condition", "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "APIResource",
        "APIResourceList", "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery",
        "ServerAddressByClientCIDR", "WatchEvent", "FieldSelectorRequirement",
    ];

    // Core types that are only reachable from other groups' kinds.
    private static readonly Dictionary<Type, string> Overrides = new()
    {
        [typeof(V1TopologySelectorTerm)] = "io.k8s.api.core.v1.TopologySelectorTerm",
        [typeof(V1TopologySelectorLabelRequirement)] = "io.k8s.api.core.v1.TopologySelectorLabelRequirement",
        [typeof(V1Scale)] = "io.k8s.api.autoscaling.v1.Scale",
        [typeof(V1ScaleSpec)] = "io.k8s.api.autoscaling.v1.ScaleSpec",
        [typeof(V1ScaleStatus)] = "io.k8s.api.autoscaling.v1.ScaleStatus",
    };

    private readonly Dictionary<Type, string> _names = [];
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public DefinitionNames(IReadOnlyList<ResourceInfo> resources, IEnumerable<Type> extraRoots)
    {
        foreach (var group in resources.GroupBy(r => r.Group))
        {
            var package = PackageOf(group.Key);
            var pending = new Queue<Type>();
            foreach (var resource in group)
            {
                Assign(resource.Type, package, pending);
                Assign(resource.ListType, package, pending);
            }

            // Everything reachable from this group's kinds that has no name yet belongs to the group.
            while (pending.TryDequeue(out var type))
            {
                foreach (var referenced in ReferencedObjects(ModelSchema.Of(type)))
                {
                    Assign(referenced, package, pending);
                }
            }
        }

        var rest = new Queue<Type>();
        foreach (var root in extraRoots)
        {
            Assign(root, "core", rest);
        }

        while (rest.TryDequeue(out var type))
        {
            foreach (var referenced in ReferencedObjects(ModelSchema.Of(type)))
            {
                Assign(referenced, "core", rest);
            }
        }
    }

    /// <summary>Every named model type.</summary>
    public IEnumerable<Type> Types => _names.Keys;

    /// <summary>The definition name of an object model type.</summary>
    public string Of(Type type) =>
        _names.TryGetValue(type, out var name) ? name : throw new KeyNotFoundException($"no OpenAPI name for {type}");

    /// <summary>The definition name of a property's value when it is a named scalar or free-form type; null otherwise.</summary>
    public static string? SpecialOf(ModelSchema schema, ModelProperty? property) => schema.Kind switch
    {
        SchemaKind.IntOrString => IntOrString,
        SchemaKind.Quantity => Quantity,
        SchemaKind.DateTime => property?.IsMicroTime == true ? MicroTime : Time,
        SchemaKind.Any => property?.JsonName == "fieldsV1" ? FieldsV1 : RawExtension,
        _ => null,
    };

    /// <summary>The object types a schema's properties refer to, through lists and maps.</summary>
    public static IEnumerable<Type> ReferencedObjects(ModelSchema schema)
    {
        foreach (var property in schema.Properties)
        {
            var value = property.Schema;
            while (value.Kind is SchemaKind.List or SchemaKind.Map)
            {
                value = value.Items!;
            }

            if (value.Kind == SchemaKind.Object)
            {
                yield return value.ClrType;
            }
        }
    }

    /// <summary>"core" for the legacy group, otherwise the first label of the group (rbac for rbac.authorization.k8s.io).</summary>
    public static string PackageOf(string group) => group.Length == 0 ? "core" : group.Split('.')[0];

    private void Assign(Type type, string package, Queue<Type> pending)
    {
        if (_names.ContainsKey(type))
        {
            return;
        }

        var name = NameFor(type, package);
        if (!_taken.Add(name))
        {
            // Two models mapped to one Kubernetes name; keep both reachable under distinct names.
            name = $"{name}.{type.Name}";
            _taken.Add(name);
        }

        _names[type] = name;
        pending.Enqueue(type);
    }

    private static string NameFor(Type type, string package)
    {
        if (Overrides.TryGetValue(type, out var fixedName))
        {
            return fixedName;
        }

        var match = GroupPrefixed().Match(type.Name);
        if (match.Success)
        {
            return $"io.k8s.api.{match.Groups["group"].Value.ToLowerInvariant()}.{match.Groups["version"].Value}.{match.Groups["kind"].Value}";
        }

        match = VersionPrefixed().Match(type.Name);
        if (!match.Success)
        {
            return $"io.k8s.api.{package}.{type.Name}";
        }

        var version = "v" + match.Groups["version"].Value.ToLowerInvariant();
        var kind = match.Groups["kind"].Value;
        return version == "v1" && MetaKinds.Contains(kind)
            ? MetaPrefix + kind
            : $"io.k8s.api.{package}.{version}.{kind}";
    }

    [GeneratedRegex("^(?<group>[A-Z][a-z0-9]*?)(?<version>v[0-9]+(?:alpha[0-9]+|beta[0-9]+)?)(?<kind>[A-Z].*)$")]
    private static partial Regex GroupPrefixed();

    [GeneratedRegex("^V(?<version>[0-9]+(?:[Aa]lpha[0-9]+|[Bb]eta[0-9]+)?)(?<kind>[A-Z].*)$")]
    private static partial Regex VersionPrefixed();
}
