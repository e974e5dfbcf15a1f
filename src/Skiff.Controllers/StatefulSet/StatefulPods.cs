using System.Globalization;
using k8s.Models;
using Skiff.Controllers.Common;
using Skiff.Controllers.History;

namespace Skiff.Controllers.StatefulSet;

/// <summary>
/// Stable identities of StatefulSet pods and their claims, after kube-controller-manager's stateful_set_utils:
/// pod <c>&lt;set&gt;-&lt;ordinal&gt;</c> with hostname and subdomain, claims <c>&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;</c>.
/// </summary>
internal static class StatefulPods
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public static int StartOrdinal(V1StatefulSet set) => set.Spec?.Ordinals?.Start ?? 0;

    public static int Replicas(V1StatefulSet set) => set.Spec?.Replicas ?? 1;

    public static string PodName(V1StatefulSet set, int ordinal) => set.Metadata.Name + "-" + ordinal.ToString(CultureInfo.InvariantCulture);

    public static string ClaimName(V1PersistentVolumeClaim template, V1StatefulSet set, int ordinal) =>
        template.Metadata?.Name + "-" + PodName(set, ordinal);

    /// <summary>getParentNameAndOrdinal: <c>web-12</c> is ordinal 12 of <c>web</c>; anything else has ordinal -1.</summary>
    public static (string Parent, int Ordinal) ParentAndOrdinal(V1Pod pod)
    {
        var name = pod.Metadata.Name ?? "";
        var dash = name.LastIndexOf('-');
        if (dash <= 0 || dash == name.Length - 1 || !name[(dash + 1)..].All(char.IsAsciiDigit) ||
            !int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            return ("", -1);
        }

        return (name[..dash], ordinal);
    }

    public static int Ordinal(V1Pod pod) => ParentAndOrdinal(pod).Ordinal;

    public static bool IsMemberOf(V1StatefulSet set, V1Pod pod) => ParentAndOrdinal(pod).Parent == set.Metadata.Name;

    /// <summary>identityMatches: the pod carries its ordinal's pod-name and pod-index labels.</summary>
    public static bool IdentityMatches(V1Pod pod, int ordinal) =>
        pod.Metadata.Labels is { } labels &&
        labels.TryGetValue(PodNameLabel, out var name) && name == pod.Metadata.Name &&
        labels.TryGetValue(PodIndexLabel, out var index) && index == ordinal.ToString(CultureInfo.InvariantCulture);

    public static string Revision(V1Pod pod) => ControllerHistory.HashLabel(pod.Metadata) ?? "";

    public static bool IsCreated(V1Pod pod) => pod.Metadata.Uid is not null;

    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    public static bool IsRunningAndReady(V1Pod pod) => pod.Status?.Phase == "Running" && Pods.IsReady(pod);

    public static bool IsRunningAndAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now) =>
        pod.Status?.Phase == "Running" && Pods.IsAvailable(pod, minReadySeconds, now);

    /// <summary>isHealthy: running, ready and not terminating.</summary>
    public static bool IsHealthy(V1Pod pod) => IsRunningAndReady(pod) && !IsTerminating(pod);

    /// <summary>
    /// newStatefulSetPod: the set's template as a pod with the controller reference, the ordinal's name, hostname
    /// and subdomain (the governing service), the identity labels and the revision label, and one volume per
    /// claim template pointing at that ordinal's claim (replacing a template volume of the same name).
    /// </summary>
    public static V1Pod NewPod(V1StatefulSet set, V1PodTemplateSpec template, int ordinal, string revision)
    {
        var pod = PodTemplates.NewPod(template, set.Metadata.NamespaceProperty, set.Metadata.Name, Objects.ControllerRef(set, "apps/v1", "StatefulSet"));
        var name = PodName(set, ordinal);
        pod.Metadata.GenerateName = null;
        pod.Metadata.Name = name;
        pod.Metadata.Labels ??= new Dictionary<string, string>();
        pod.Metadata.Labels[PodNameLabel] = name;
        pod.Metadata.Labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        pod.Metadata.Labels[ControllerHistory.RevisionHashLabel] = revision;
        pod.Spec ??= new V1PodSpec();
        pod.Spec.Hostname = name;
        pod.Spec.Subdomain = string.IsNullOrEmpty(set.Spec?.ServiceName) ? null : set.Spec.ServiceName;
        var templates = set.Spec?.VolumeClaimTemplates ?? [];
        if (templates.Count > 0)
        {
            var names = templates.Select(t => t.Metadata?.Name).ToHashSet();
            var volumes = (pod.Spec.Volumes ?? []).Where(v => !names.Contains(v.Name)).ToList();
            volumes.AddRange(templates.Select(t => new V1Volume
            {
                Name = t.Metadata?.Name,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = ClaimName(t, set, ordinal) },
            }));
            pod.Spec.Volumes = volumes;
        }

        return pod;
    }

    /// <summary>getPersistentVolumeClaims: one claim per template for the ordinal, labelled with the template's labels and the set's selector labels.</summary>
    public static List<V1PersistentVolumeClaim> Claims(V1StatefulSet set, int ordinal)
    {
        var claims = new List<V1PersistentVolumeClaim>();
        foreach (var template in set.Spec?.VolumeClaimTemplates ?? [])
        {
            var claim = Objects.Clone(template);
            claim.ApiVersion = "v1";
            claim.Kind = "PersistentVolumeClaim";
            claim.Status = null;
            var meta = claim.Metadata ?? new V1ObjectMeta();
            claim.Metadata = new V1ObjectMeta
            {
                Name = ClaimName(template, set, ordinal),
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = meta.Labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(meta.Labels),
                Annotations = meta.Annotations,
            };
            foreach (var (k, v) in set.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>())
            {
                claim.Metadata.Labels[k] = v;
            }

            claims.Add(claim);
        }

        return claims;
    }

    /// <summary>
    /// The owner references a claim should have under persistentVolumeClaimRetentionPolicy
    /// (updateClaimOwnerRefForSetAndPod): the set when whenDeleted is Delete, the pod once it is scaled away when
    /// whenScaled is Delete, neither for Retain; references to other owners are kept.
    /// </summary>
    public static List<V1OwnerReference> ClaimOwners(V1StatefulSet set, V1PersistentVolumeClaim claim, V1Pod? pod, bool scaledDown)
    {
        var policy = set.Spec?.PersistentVolumeClaimRetentionPolicy;
        var deleteWithSet = policy?.WhenDeleted == "Delete";
        var deleteWhenScaled = policy?.WhenScaled == "Delete";
        var wantSet = deleteWithSet && !(deleteWhenScaled && scaledDown);
        var wantPod = deleteWhenScaled && scaledDown && pod is { Metadata.Uid: not null };
        var refs = (claim.Metadata.OwnerReferences ?? [])
            .Where(r => r.Uid != set.Metadata.Uid && !(pod is not null && r.Uid == pod.Metadata.Uid))
            .Where(r => !(r.Kind == "StatefulSet" && r.Name == set.Metadata.Name) && !(r.Kind == "Pod" && pod is not null && r.Name == pod.Metadata.Name))
            .ToList();
        if (wantSet)
        {
            refs.Add(Objects.ControllerRef(set, "apps/v1", "StatefulSet"));
        }

        if (wantPod)
        {
            refs.Add(new V1OwnerReference { ApiVersion = "v1", Kind = "Pod", Name = pod!.Metadata.Name, Uid = pod.Metadata.Uid });
        }

        return refs;
    }
}
