using k8s.Models;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// Column definitions and cell helpers shared by kube-apiserver's printers (pkg/printers/internalversion):
/// the Name and Age columns, the wide container columns, layoutContainerCells, labels.FormatLabels,
/// access modes, storage classes and quantities.
/// </summary>
internal static class Columns
{
    /// <summary>The standard Name column description (ObjectMeta.name's swagger doc).</summary>
    public const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    /// <summary>The standard Age column description (ObjectMeta.creationTimestamp's swagger doc).</summary>
    public const string AgeDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public static TableColumn Name { get; } = new("Name", "string", NameDescription, 0, "name");

    public static TableColumn Age { get; } = new("Age", "string", AgeDescription);

    public static TableColumn Containers { get; } = new("Containers", "string", "Names of each container in the template.", 1);

    public static TableColumn Images { get; } = new("Images", "string", "Images referenced by each container in the template.", 1);

    /// <summary>layoutContainerCells: container names and images, comma-joined.</summary>
    public static (string Names, string Images) ContainerCells(IList<V1Container>? containers) =>
        (string.Join(",", (containers ?? []).Select(c => c.Name)), string.Join(",", (containers ?? []).Select(c => c.Image)));

    /// <summary>labels.FormatLabels: sorted <c>k=v</c> pairs, <c>&lt;none&gt;</c> when empty.</summary>
    public static string FormatLabels(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>Access modes as kubectl abbreviates them, in Kubernetes' fixed order (RWO, ROX, RWX, RWOP).</summary>
    public static string AccessModes(IList<string>? modes)
    {
        if (modes is null)
        {
            return "";
        }

        (string Mode, string Short)[] order = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")];
        return string.Join(",", order.Where(m => modes.Contains(m.Mode)).Select(m => m.Short));
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
