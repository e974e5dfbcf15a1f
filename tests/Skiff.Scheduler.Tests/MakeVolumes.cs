using k8s.Models;

namespace Skiff.Scheduler.Tests;

/// <summary>Builders for claims, volumes and storage classes.</summary>
internal static class MakeVolumes
{
    public static V1StorageClass Class(string name, string mode = "WaitForFirstConsumer", string provisioner = "kubernetes.io/no-provisioner") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Provisioner = provisioner,
        VolumeBindingMode = mode,
    };

    public static V1PersistentVolumeClaim Claim(string name, string? cls = "local", string size = "1Gi", string? volumeName = null, string[]? modes = null, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = "claim-" + name, ResourceVersion = "1" },
        Spec = new V1PersistentVolumeClaimSpec
        {
            StorageClassName = cls,
            AccessModes = modes ?? ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
            VolumeName = volumeName,
        },
        Status = new V1PersistentVolumeClaimStatus { Phase = volumeName is null ? "Pending" : "Bound" },
    };

    /// <summary>A volume; with <paramref name="node"/>, a local volume pinned to that node by required node affinity.</summary>
    public static V1PersistentVolume Volume(string name, string? node = null, string cls = "local", string size = "1Gi", string[]? modes = null, V1ObjectReference? claimRef = null, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels, ResourceVersion = "1" },
        Spec = new V1PersistentVolumeSpec
        {
            StorageClassName = cls,
            AccessModes = modes ?? ["ReadWriteOnce"],
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
            Local = new V1LocalVolumeSource { Path = "/mnt/" + name },
            ClaimRef = claimRef,
            NodeAffinity = node is null ? null : new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = [node] }] }],
                },
            },
        },
        Status = new V1PersistentVolumeStatus { Phase = claimRef is null ? "Available" : "Bound" },
    };

    public static V1Pod WithClaims(this V1Pod pod, params string[] claims)
    {
        pod.Spec.Volumes = [.. claims.Select(c => new V1Volume { Name = "v-" + c, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c } })];
        return pod;
    }
}
