using k8s.Models;
using Skiff.Controllers.PersistentVolume;

namespace Skiff.Controllers.Tests.PersistentVolume;

public sealed class VolumeMatcherTests
{
    private static V1PersistentVolumeClaim Claim(string size, string mode = "Filesystem", string? cls = "") => new()
    {
        Metadata = new V1ObjectMeta { Name = "c", NamespaceProperty = "ns", Uid = "u1" },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
            StorageClassName = cls,
            VolumeMode = mode,
        },
    };

    private static V1PersistentVolume Volume(string name, string size, string mode = "Filesystem", string cls = "") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
            StorageClassName = cls,
            VolumeMode = mode,
        },
    };

    [Fact]
    public void FindBest_VolumeModeMismatch_Skipped()
    {
        Assert.Null(VolumeMatcher.FindBest(Claim("1Gi", "Block"), [Volume("a", "1Gi")], delayBinding: false));
    }

    [Fact]
    public void FindBest_VolumeBeingDeleted_Skipped()
    {
        var v = Volume("a", "1Gi");
        v.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.Null(VolumeMatcher.FindBest(Claim("1Gi"), [v], delayBinding: false));
    }

    [Fact]
    public void FindBest_ExactCapacityFits_SmallerDoesNot()
    {
        Assert.Equal("exact", VolumeMatcher.FindBest(Claim("1Gi"), [Volume("under", "1023Mi"), Volume("exact", "1Gi")], false)?.Metadata.Name);
    }

    [Fact]
    public void FindBest_DelayBinding_OnlyAPreBoundVolume()
    {
        var free = Volume("free", "1Gi");
        Assert.Null(VolumeMatcher.FindBest(Claim("1Gi"), [free], delayBinding: true));
        var prebound = Volume("pre", "1Gi");
        prebound.Spec.ClaimRef = new V1ObjectReference { NamespaceProperty = "ns", Name = "c", Uid = "u1" };
        Assert.Equal("pre", VolumeMatcher.FindBest(Claim("1Gi"), [free, prebound], delayBinding: true)?.Metadata.Name);
    }

    [Fact]
    public void FindBest_PreBoundToAnotherUidOfTheSameName_NotTaken()
    {
        var v = Volume("a", "1Gi");
        v.Spec.ClaimRef = new V1ObjectReference { NamespaceProperty = "ns", Name = "c", Uid = "old-uid" };
        Assert.Null(VolumeMatcher.FindBest(Claim("1Gi"), [v], delayBinding: false));
    }

    [Fact]
    public void ClaimClass_BetaAnnotationWinsOverField()
    {
        var c = Claim("1Gi", cls: "field");
        c.Metadata.Annotations = new Dictionary<string, string> { [VolumeAnnotations.BetaStorageClass] = "annotated" };
        Assert.Equal("annotated", VolumeMatcher.ClaimClass(c));
        Assert.False(VolumeMatcher.HasNoClass(c));
        Assert.True(VolumeMatcher.HasNoClass(Claim("1Gi", cls: null)));
    }
}
