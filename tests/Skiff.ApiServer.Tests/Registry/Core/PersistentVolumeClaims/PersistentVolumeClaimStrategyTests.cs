using k8s.Models;
using Skiff.ApiServer.Registry.Core.PersistentVolumeClaims;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.PersistentVolumeClaims;

public sealed class PersistentVolumeClaimStrategyTests
{
    private static PersistentVolumeClaimStrategy Strategy() => Bind<PersistentVolumeClaimStrategy, V1PersistentVolumeClaim>(new PersistentVolumeClaimStrategy());

    private static V1PersistentVolumeClaim Pvc(string size = "1Gi") => new()
    {
        Metadata = Meta("data"),
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };

    [Fact]
    public void Create_Pvc_PendingFilesystem()
    {
        var pvc = Pvc();

        Assert.Empty(Create(Strategy(), pvc));
        Assert.Equal("Pending", pvc.Status.Phase);
        Assert.Equal("Filesystem", pvc.Spec.VolumeMode);
    }

    [Fact]
    public void Validate_NoStorageRequest_RequiredUnderResources()
    {
        var pvc = Pvc();
        pvc.Spec.Resources.Requests.Clear();

        Assert.Equal("spec.resources[storage]: Required value", Assert.Single(Create(Strategy(), pvc)).ToString());
    }

    [Fact]
    public void ValidateUpdate_AccessModesChanged_SpecImmutable()
    {
        var strategy = Strategy();
        var old = Pvc();
        Create(strategy, old);
        var pvc = Copy(old);
        pvc.Spec.AccessModes = ["ReadWriteMany"];

        Assert.StartsWith("spec: Forbidden: spec is immutable after creation except resources.requests for bound claims\n", Assert.Single(Update(strategy, pvc, old)).ToString());
    }

    [Fact]
    public void ValidateUpdate_BoundClaimGrows_Allowed()
    {
        var strategy = Strategy();
        var old = Pvc();
        Create(strategy, old);
        old.Spec.VolumeName = "pv-1";
        old.Status.Phase = "Bound";
        old.Status.Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") };
        var pvc = Copy(old);
        pvc.Spec.Resources.Requests["storage"] = new ResourceQuantity("2Gi");

        Assert.Empty(Update(strategy, pvc, old));
    }

    [Fact]
    public void ValidateUpdate_VolumeNameSetOnce_Allowed()
    {
        var strategy = Strategy();
        var old = Pvc();
        Create(strategy, old);
        var pvc = Copy(old);
        pvc.Spec.VolumeName = "pv-1";

        Assert.Empty(Update(strategy, pvc, old));
    }

    [Fact]
    public void Table_PendingAndBoundClaims_Cells()
    {
        var pvc = Pvc();
        Create(Strategy(), pvc);

        Assert.Equal(["data", "Pending", "", "", "", "", "<unset>", "5m", "Filesystem"], PersistentVolumeClaimTable.Instance.Cells(pvc, Now));

        pvc.Spec.VolumeName = "pv-1";
        pvc.Status.Phase = "Bound";
        pvc.Status.AccessModes = ["ReadWriteOnce", "ReadOnlyMany"];
        pvc.Status.Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") };

        Assert.Equal(["data", "Bound", "pv-1", "1Gi", "RWO,ROX", "", "<unset>", "5m", "Filesystem"], PersistentVolumeClaimTable.Instance.Cells(pvc, Now));
    }
}
