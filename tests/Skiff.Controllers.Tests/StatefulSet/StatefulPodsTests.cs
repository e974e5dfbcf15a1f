using k8s.Models;
using Skiff.Controllers.History;
using Skiff.Controllers.StatefulSet;

namespace Skiff.Controllers.Tests.StatefulSet;

public sealed class StatefulPodsTests
{
    [Theory]
    [InlineData("web-0", "web", 0)]
    [InlineData("my-db-12", "my-db", 12)]
    [InlineData("web", "", -1)]
    [InlineData("web-", "", -1)]
    [InlineData("web-x1", "", -1)]
    public void ParentAndOrdinal_ParsesTheTrailingNumber(string name, string parent, int ordinal)
    {
        Assert.Equal((parent, ordinal), StatefulPods.ParentAndOrdinal(new V1Pod { Metadata = new V1ObjectMeta { Name = name } }));
    }

    [Fact]
    public void NewPod_HasStableIdentity_AndClaimVolumes()
    {
        var set = StatefulSetControllerTests.Set(3);
        set.Metadata.Uid = "set-uid";
        set.Spec.Template.Spec.Volumes = [new V1Volume { Name = "www", EmptyDir = new V1EmptyDirVolumeSource() }, new V1Volume { Name = "config", EmptyDir = new V1EmptyDirVolumeSource() }];
        var pod = StatefulPods.NewPod(set, set.Spec.Template, 2, "web-abc");

        Assert.Equal("web-2", pod.Metadata.Name);
        Assert.Null(pod.Metadata.GenerateName);
        Assert.Equal(("web-2", "web-svc"), (pod.Spec.Hostname, pod.Spec.Subdomain));
        Assert.Equal("web-2", pod.Metadata.Labels[StatefulPods.PodNameLabel]);
        Assert.Equal("2", pod.Metadata.Labels[StatefulPods.PodIndexLabel]);
        Assert.Equal("web-abc", pod.Metadata.Labels[ControllerHistory.RevisionHashLabel]);
        Assert.Equal("web", pod.Metadata.Labels["app"]);
        Assert.Equal("set-uid", pod.Metadata.OwnerReferences.Single().Uid);
        Assert.Equal("www-web-2", pod.Spec.Volumes.Single(v => v.Name == "www").PersistentVolumeClaim.ClaimName);
        Assert.NotNull(pod.Spec.Volumes.Single(v => v.Name == "config").EmptyDir);
    }

    [Fact]
    public void ClaimOwners_FollowTheRetentionPolicy()
    {
        var set = StatefulSetControllerTests.Set(1);
        set.Metadata.Uid = "set-uid";
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "web-1", Uid = "pod-uid" } };
        var claim = new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "www-web-1", OwnerReferences = [new V1OwnerReference { Kind = "Other", Name = "x", Uid = "other" }] } };

        string Owners(string whenDeleted, string whenScaled, bool scaledDown)
        {
            set.Spec.PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = whenDeleted, WhenScaled = whenScaled };
            return string.Join(",", StatefulPods.ClaimOwners(set, claim, pod, scaledDown).Select(r => r.Kind));
        }

        Assert.Equal("Other", Owners("Retain", "Retain", true));
        Assert.Equal("Other,StatefulSet", Owners("Delete", "Retain", true));
        Assert.Equal("Other", Owners("Retain", "Delete", false));
        Assert.Equal("Other,Pod", Owners("Retain", "Delete", true));
        Assert.Equal("Other,StatefulSet", Owners("Delete", "Delete", false));
        Assert.Equal("Other,Pod", Owners("Delete", "Delete", true));
    }
}
