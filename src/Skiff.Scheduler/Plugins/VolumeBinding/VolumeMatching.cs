using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.VolumeBinding;

/// <summary>
/// Which PersistentVolume can satisfy a claim (the PV controller's and kube-scheduler's FindMatchingVolume): same
/// storage class, free or pre-bound to this claim, the claim's access modes and volume mode, enough capacity,
/// the claim's selector, and node affinity that admits the node. The smallest fitting volume wins.
/// </summary>
internal static class VolumeMatching
{
    public const string StorageKey = "storage";

    public static string ClassOf(V1PersistentVolumeClaim claim) =>
        claim.Spec?.StorageClassName
        ?? (claim.Metadata.Annotations?.TryGetValue("volume.beta.kubernetes.io/storage-class", out var c) == true ? c : "");

    public static string ClassOf(V1PersistentVolume volume) =>
        volume.Spec?.StorageClassName
        ?? (volume.Metadata.Annotations?.TryGetValue("volume.beta.kubernetes.io/storage-class", out var c) == true ? c : "");

    public static string Key(V1PersistentVolumeClaim claim) => $"{claim.Metadata.NamespaceProperty}/{claim.Metadata.Name}";

    /// <summary>Whether the volume's required node affinity (if any) admits the node.</summary>
    public static bool NodeAffinityFits(V1PersistentVolume volume, V1Node node) =>
        volume.Spec?.NodeAffinity?.Required is not { } required || LabelSelectors.Matches(required, node);

    /// <summary>Whether a claim's spec.claimRef points at this claim (a volume pre-bound to it).</summary>
    public static bool ClaimRefIs(V1PersistentVolume volume, V1PersistentVolumeClaim claim) =>
        volume.Spec?.ClaimRef is { } r && r.Name == claim.Metadata.Name && r.NamespaceProperty == claim.Metadata.NamespaceProperty
        && (string.IsNullOrEmpty(r.Uid) || r.Uid == claim.Metadata.Uid);

    /// <summary>The smallest volume among <paramref name="volumes"/> that satisfies the claim on the node; null if none.</summary>
    public static V1PersistentVolume? Find(V1PersistentVolumeClaim claim, IEnumerable<V1PersistentVolume> volumes, V1Node node, Func<V1PersistentVolume, bool> taken)
    {
        var requested = Quantity(claim.Spec?.Resources?.Requests);
        var cls = ClassOf(claim);
        var modes = claim.Spec?.AccessModes ?? [];
        var volumeMode = claim.Spec?.VolumeMode ?? "Filesystem";
        V1PersistentVolume? best = null;
        decimal bestSize = 0;
        foreach (var pv in volumes)
        {
            if (pv.Metadata.DeletionTimestamp is not null || ClassOf(pv) != cls || taken(pv))
            {
                continue;
            }

            var preBound = ClaimRefIs(pv, claim);
            if (pv.Spec?.ClaimRef is not null && !preBound)
            {
                continue;
            }

            if (!preBound && (pv.Status?.Phase is "Released" or "Failed"))
            {
                continue;
            }

            var pvModes = pv.Spec?.AccessModes ?? [];
            if (!modes.All(pvModes.Contains) || (pv.Spec?.VolumeMode ?? "Filesystem") != volumeMode)
            {
                continue;
            }

            var size = Quantity(pv.Spec?.Capacity);
            if (size < requested || (claim.Spec?.Selector is { } selector && !LabelSelectors.Matches(selector, pv.Metadata.Labels ?? new Dictionary<string, string>())))
            {
                continue;
            }

            if (!NodeAffinityFits(pv, node))
            {
                continue;
            }

            if (preBound)
            {
                // A volume pre-bound to the claim always wins (the PV controller would bind them anyway).
                return pv;
            }

            if (best is null || size < bestSize)
            {
                best = pv;
                bestSize = size;
            }
        }

        return best;
    }

    /// <summary>Whether a StorageClass's allowedTopologies (if any) admit the node.</summary>
    public static bool AllowedTopologyFits(V1StorageClass cls, V1Node node)
    {
        if (cls.AllowedTopologies is not { Count: > 0 } terms)
        {
            return true;
        }

        var labels = node.Metadata.Labels;
        return terms.Any(t => (t.MatchLabelExpressions ?? []).All(e => labels?.TryGetValue(e.Key, out var v) == true && (e.Values ?? []).Contains(v)));
    }

    private static decimal Quantity(IDictionary<string, ResourceQuantity>? quantities) =>
        quantities?.TryGetValue(StorageKey, out var q) == true && q is not null ? q.ToDecimal() : 0;
}
