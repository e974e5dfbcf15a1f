using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.PersistentVolume;

/// <summary>
/// Which volume satisfies a claim, after kube-controller-manager's persistentvolume binder (FindMatchingVolume and
/// checkVolumeSatisfyClaim): same class ("" means no class), same volume mode, every requested access mode offered,
/// capacity at least the request, the claim's selector matching the volume's labels; a volume pre-bound to the claim
/// (claimRef naming it) wins outright, otherwise the smallest fitting volume is chosen.
/// </summary>
internal static class VolumeMatcher
{
    /// <summary>GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "".</summary>
    public static string ClaimClass(V1PersistentVolumeClaim claim) =>
        claim.Metadata.Annotations?.TryGetValue(VolumeAnnotations.BetaStorageClass, out var c) == true ? c : claim.Spec?.StorageClassName ?? "";

    /// <summary>GetPersistentVolumeClass: the beta annotation, else spec.storageClassName, else "".</summary>
    public static string VolumeClass(V1PersistentVolume volume) =>
        volume.Metadata.Annotations?.TryGetValue(VolumeAnnotations.BetaStorageClass, out var c) == true ? c : volume.Spec?.StorageClassName ?? "";

    /// <summary>Whether the claim names no class at all (neither field nor annotation), so a default class may be given to it.</summary>
    public static bool HasNoClass(V1PersistentVolumeClaim claim) =>
        claim.Spec?.StorageClassName is null && claim.Metadata.Annotations?.ContainsKey(VolumeAnnotations.BetaStorageClass) != true;

    public static decimal Request(V1PersistentVolumeClaim claim) =>
        claim.Spec?.Resources?.Requests is { } r && r.TryGetValue("storage", out var q) && q is not null ? q.ToDecimal() : 0;

    public static decimal Capacity(V1PersistentVolume volume) =>
        volume.Spec?.Capacity is { } c && c.TryGetValue("storage", out var q) && q is not null ? q.ToDecimal() : 0;

    /// <summary>IsVolumeBoundToClaim: claimRef names the claim, and its uid (if set) is the claim's.</summary>
    public static bool IsBoundTo(V1PersistentVolume volume, V1PersistentVolumeClaim claim) =>
        volume.Spec?.ClaimRef is { } r && r.Name == claim.Metadata.Name && r.NamespaceProperty == claim.Metadata.NamespaceProperty &&
        (string.IsNullOrEmpty(r.Uid) || r.Uid == claim.Metadata.Uid);

    public static bool VolumeModeMismatch(V1PersistentVolumeClaim claim, V1PersistentVolume volume) =>
        (claim.Spec?.VolumeMode ?? "Filesystem") != (volume.Spec?.VolumeMode ?? "Filesystem");

    /// <summary>Every access mode the claim asks for is one the volume offers.</summary>
    public static bool AccessModesFit(V1PersistentVolumeClaim claim, V1PersistentVolume volume)
    {
        var offered = volume.Spec?.AccessModes ?? [];
        return (claim.Spec?.AccessModes ?? []).All(offered.Contains);
    }

    /// <summary>A null claim selector selects every volume (unlike a controller's selector).</summary>
    public static bool SelectorFits(V1PersistentVolumeClaim claim, V1PersistentVolume volume) =>
        claim.Spec?.Selector is not { } selector || Selectors.Matches(selector, volume.Metadata.Labels);

    /// <summary>
    /// The best volume for the claim, or null. With <paramref name="delayBinding"/> (a WaitForFirstConsumer class whose
    /// node is not chosen yet) only a volume pre-bound to the claim is taken: the scheduler picks the others.
    /// </summary>
    public static V1PersistentVolume? FindBest(V1PersistentVolumeClaim claim, IEnumerable<V1PersistentVolume> volumes, bool delayBinding)
    {
        var request = Request(claim);
        var claimClass = ClaimClass(claim);
        V1PersistentVolume? best = null;
        foreach (var volume in volumes.OrderBy(v => v.Metadata.Name, StringComparer.Ordinal))
        {
            if (VolumeModeMismatch(claim, volume) || volume.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var capacity = Capacity(volume);
            if (volume.Spec?.ClaimRef is not null && IsBoundTo(volume, claim))
            {
                // Pre-bound to this claim (by a user, the scheduler or a provisioner): it wins if it is big enough.
                if (capacity < request)
                {
                    continue;
                }

                return volume;
            }

            if (delayBinding || volume.Spec?.ClaimRef is not null)
            {
                continue;
            }

            if (capacity < request || VolumeClass(volume) != claimClass || !SelectorFits(claim, volume) || !AccessModesFit(claim, volume))
            {
                continue;
            }

            if (best is null || capacity < Capacity(best))
            {
                best = volume;
            }
        }

        return best;
    }

    /// <summary>checkVolumeSatisfyClaim for a claim that names its volume: why the volume does not fit, or null.</summary>
    public static string? Mismatch(V1PersistentVolumeClaim claim, V1PersistentVolume volume)
    {
        if (Capacity(volume) < Request(claim))
        {
            return "requested PV is too small";
        }

        if (VolumeClass(volume) != ClaimClass(claim))
        {
            return "storageClassName does not match";
        }

        if (VolumeModeMismatch(claim, volume))
        {
            return "incompatible volumeMode";
        }

        if (!AccessModesFit(claim, volume))
        {
            return "incompatible accessMode";
        }

        return null;
    }
}
