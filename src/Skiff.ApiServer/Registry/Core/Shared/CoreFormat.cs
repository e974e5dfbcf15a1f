using k8s.Models;

namespace Skiff.ApiServer.Registry.Core.Shared;

/// <summary>
/// Cell formatting shared by the core printers, following kube-apiserver's
/// pkg/printers/internalversion helpers (labels.FormatLabels, layoutContainerCells, access modes).
/// </summary>
internal static class CoreFormat
{
    /// <summary>The text of the standard Name column description (ObjectMeta.name's swagger doc).</summary>
    public const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    /// <summary>The text of the standard Age column description (ObjectMeta.creationTimestamp's swagger doc).</summary>
    public const string AgeDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public static TableColumn NameColumn() => new("Name", "string", NameDescription, 0, "name");

    public static TableColumn AgeColumn() => new("Age", "string", AgeDescription);

    /// <summary>labels.FormatLabels: "k=v,k2=v2" sorted by key, or "&lt;none&gt;".</summary>
    public static string FormatLabels(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>The container names and images joined by commas (layoutContainerCells).</summary>
    public static (string Names, string Images) ContainerCells(IList<V1Container>? containers) =>
        containers is null
            ? ("", "")
            : (string.Join(",", containers.Select(c => c.Name)), string.Join(",", containers.Select(c => c.Image)));

    /// <summary>Access modes as kubectl abbreviates them, in Kubernetes' fixed order (RWO, ROX, RWX, RWOP).</summary>
    public static string AccessModes(IList<string>? modes)
    {
        if (modes is null)
        {
            return "";
        }

        var parts = new List<string>();
        if (modes.Contains("ReadWriteOnce"))
        {
            parts.Add("RWO");
        }

        if (modes.Contains("ReadOnlyMany"))
        {
            parts.Add("ROX");
        }

        if (modes.Contains("ReadWriteMany"))
        {
            parts.Add("RWX");
        }

        if (modes.Contains("ReadWriteOncePod"))
        {
            parts.Add("RWOP");
        }

        return string.Join(",", parts);
    }

    /// <summary>
    /// The storage class of a volume or claim: the beta annotation wins over the field, as in
    /// Kubernetes' GetPersistentVolumeClass / GetPersistentVolumeClaimClass.
    /// </summary>
    public static string StorageClass(V1ObjectMeta meta, string? field) =>
        meta.Annotations is { } a && a.TryGetValue("volume.beta.kubernetes.io/storage-class", out var c) ? c : field ?? "";

    /// <summary>A quantity as resource.Quantity.String() prints it; "0" for a missing one.</summary>
    public static string Quantity(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? q.ToString() : "0";
}
