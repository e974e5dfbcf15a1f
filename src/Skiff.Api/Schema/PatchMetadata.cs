namespace Skiff.Api.Schema;

/// <summary>
/// How a field merges under strategic merge patch and server-side apply: the Go struct tags
/// <c>patchStrategy</c>/<c>patchMergeKey</c> and the <c>+listType</c>/<c>+listMapKey</c>/<c>+mapType</c>
/// markers Kubernetes publishes as <c>x-kubernetes-patch-strategy</c>, <c>x-kubernetes-patch-merge-key</c>,
/// <c>x-kubernetes-list-type</c>, <c>x-kubernetes-list-map-keys</c> and <c>x-kubernetes-map-type</c>.
/// </summary>
public sealed record PatchMetadata
{
    /// <summary>"merge", "retainKeys", "merge,retainKeys" or null (replace).</summary>
    public string? PatchStrategy { get; init; }

    /// <summary>The element field that identifies list entries under strategic merge (e.g. <c>name</c>).</summary>
    public string? PatchMergeKey { get; init; }

    /// <summary>"atomic", "set" or "map"; null when Kubernetes does not say.</summary>
    public string? ListType { get; init; }

    /// <summary>The keys of a <c>map</c> list (e.g. <c>containerPort</c>, <c>protocol</c>).</summary>
    public IReadOnlyList<string> ListMapKeys { get; init; } = [];

    /// <summary>"atomic" or "granular" for maps and structs; null when Kubernetes does not say.</summary>
    public string? MapType { get; init; }

    /// <summary>Whether strategic merge patch merges this list by key rather than replacing it.</summary>
    public bool MergesByKey => PatchMergeKey is not null && PatchStrategy?.Contains("merge", StringComparison.Ordinal) == true;
}
