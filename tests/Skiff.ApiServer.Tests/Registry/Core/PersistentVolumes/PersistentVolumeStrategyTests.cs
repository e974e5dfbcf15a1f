using k8s.Models;
using Skiff.ApiServer.Registry.Core.PersistentVolumes;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.PersistentVolumes;

public sealed class PersistentVolumeStrategyTests
{
    private static PersistentVolumeStrategy Strategy() =>
        Bind<PersistentVolumeStrategy, V1PersistentVolume>(new PersistentVolumeStrategy { Time = new FixedTime() });

    private static V1PersistentVolume Pv() => new()
    {
        Metadata = Meta("pv-1", null),
        Spec = new V1PersistentVolumeSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") },
            HostPath = new V1HostPathVolumeSource { Path = "/srv/pv-1" },
        },
    };

    [Fact]
    public void Create_Pv_DefaultsAndPendingPhase()
    {
        var pv = Pv();

        Assert.Empty(Create(Strategy(), pv));
        Assert.Equal("Retain", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("Filesystem", pv.Spec.VolumeMode);
        Assert.Equal("", pv.Spec.HostPath.Type);
        Assert.Equal("Pending", pv.Status.Phase);
        Assert.Equal(Now, pv.Status.LastPhaseTransitionTime);
    }

    [Fact]
    public void Validate_NoSourceNoAccessModes_RequiredValues()
    {
        var pv = Pv();
        pv.Spec.HostPath = null;
        pv.Spec.AccessModes = null;
        var text = Messages(Create(Strategy(), pv));

        Assert.Contains("spec.accessModes: Required value", text);
        Assert.Contains("spec: Required value: must specify a volume type", text);
    }

    [Fact]
    public void ValidateUpdate_SourceChanged_Forbidden()
    {
        var strategy = Strategy();
        var old = Pv();
        Create(strategy, old);
        var pv = Copy(old);
        pv.Spec.HostPath.Path = "/srv/other";

        Assert.StartsWith("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n", Assert.Single(Update(strategy, pv, old)).ToString());
    }

    [Fact]
    public void Table_BoundPv_Cells()
    {
        var pv = Pv();
        Create(Strategy(), pv);
        pv.Status.Phase = "Bound";
        pv.Spec.ClaimRef = new V1ObjectReference { NamespaceProperty = "default", Name = "data" };
        pv.Spec.StorageClassName = "local";

        Assert.Equal(
            ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"],
            PersistentVolumeTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["pv-1", "10Gi", "RWO", "Retain", "Bound", "default/data", "local", "<unset>", "", "5m", "Filesystem"], PersistentVolumeTable.Instance.Cells(pv, Now));
    }
}
