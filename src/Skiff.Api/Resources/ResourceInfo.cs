namespace Skiff.Api.Resources;

/// <summary>
/// What the API knows about one resource in one group-version: its names, scope and model type.
/// The same facts feed discovery, routing, storage keys, OpenAPI and kubectl's short names.
/// </summary>
public sealed record ResourceInfo
{
    /// <summary>API group; empty for the core (legacy) group.</summary>
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    /// <summary>The resource name used in URLs, e.g. <c>pods</c>.</summary>
    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required bool Namespaced { get; init; }

    /// <summary>The KubernetesClient model type, e.g. <c>V1Pod</c>.</summary>
    public required Type Type { get; init; }

    /// <summary>The list model type, e.g. <c>V1PodList</c>.</summary>
    public required Type ListType { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Subresources served besides the main resource (e.g. <c>status</c>, <c>scale</c>).</summary>
    public IReadOnlyList<string> Subresources { get; init; } = [];

    /// <summary>
    /// The resource whose storage this one shares (for example autoscaling/v1 horizontalpodautoscalers
    /// are stored as autoscaling/v2). Null when this version is the storage version.
    /// </summary>
    public string? StorageGroupResource { get; init; }

    /// <summary>Verbs for discovery. Read-only resources can narrow this.</summary>
    public IReadOnlyList<string> Verbs { get; init; } = AllVerbs;

    /// <summary>Whether the resource is served but not stored (e.g. bindings).</summary>
    public bool Virtual { get; init; }

    public static readonly IReadOnlyList<string> AllVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>"v1" for the core group, "group/version" otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"pods" or "deployments.apps": how Kubernetes names a resource in messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The storage key prefix of all objects: <c>/registry/&lt;group&gt;/&lt;resource&gt;/</c>.</summary>
    public string KeyPrefix => $"/registry/{(Group.Length == 0 ? "core" : Group)}/{Plural}/";

    /// <summary>The storage key of one object.</summary>
    public string Key(string? ns, string name) =>
        Namespaced ? $"{KeyPrefix}{ns}/{name}" : $"{KeyPrefix}{name}";

    /// <summary>The key prefix of all objects of one namespace (or of all when <paramref name="ns"/> is null).</summary>
    public string NamespacePrefix(string? ns) =>
        Namespaced && !string.IsNullOrEmpty(ns) ? $"{KeyPrefix}{ns}/" : KeyPrefix;
}
