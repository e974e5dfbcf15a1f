using k8s.Models;
using Skiff.Controllers.PersistentVolume;

namespace Skiff.Controllers.Tests.PersistentVolume;

public sealed class PersistentVolumeControllerTests
{
    private readonly VolumeWorld _world = new();

    [Fact]
    public async Task Sync_MatchingAvailableVolume_BindsBothSidesWithAnnotationsAndStatus()
    {
        _world.Volume("pv1", "2Gi", modes: ["ReadWriteOnce", "ReadOnlyMany"]);
        var claim = _world.Claim("data", "1Gi");

        await _world.ConvergeAsync();

        var pvc = _world.GetClaim("data");
        var pv = _world.GetVolume("pv1");
        Assert.Equal("pv1", pvc.Spec.VolumeName);
        Assert.Equal("Bound", pvc.Status.Phase);
        Assert.Equal("2Gi", pvc.Status.Capacity["storage"].ToString());
        Assert.Equal(["ReadWriteOnce", "ReadOnlyMany"], pvc.Status.AccessModes);
        Assert.Equal("yes", pvc.Metadata.Annotations[VolumeAnnotations.BindCompleted]);
        Assert.Equal("yes", pvc.Metadata.Annotations[VolumeAnnotations.BoundByController]);
        Assert.Equal("Bound", pv.Status.Phase);
        Assert.Equal(("ns", "data", claim.Metadata.Uid, "PersistentVolumeClaim"), (pv.Spec.ClaimRef.NamespaceProperty, pv.Spec.ClaimRef.Name, pv.Spec.ClaimRef.Uid, pv.Spec.ClaimRef.Kind));
        Assert.Equal("yes", pv.Metadata.Annotations[VolumeAnnotations.BoundByController]);
    }

    [Fact]
    public async Task Sync_NoClaim_VolumeBecomesAvailable()
    {
        _world.Volume("pv1");
        await _world.ConvergeAsync();
        Assert.Equal("Available", _world.GetVolume("pv1").Status.Phase);
    }

    [Fact]
    public async Task Sync_SeveralFit_TheSmallestFittingVolumeIsChosen()
    {
        _world.Volume("big", "10Gi");
        _world.Volume("small", "1Gi");
        _world.Volume("right", "2Gi");
        _world.Claim("data", "1500Mi");

        await _world.ConvergeAsync();

        Assert.Equal("right", _world.GetClaim("data").Spec.VolumeName);
        Assert.Equal("Available", _world.GetVolume("big").Status.Phase);
        Assert.Equal("Available", _world.GetVolume("small").Status.Phase);
    }

    [Fact]
    public async Task Sync_ClassAccessModeOrSelectorMismatch_StaysPendingWithEvent()
    {
        _world.Volume("other-class", "5Gi", storageClass: "fast");
        _world.Volume("rwo-only", "5Gi", modes: ["ReadWriteOnce"]);
        _world.Volume("unlabelled", "5Gi", modes: ["ReadWriteMany"]);
        var claim = _world.ClaimClient.Seed(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "ns" },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteMany"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                StorageClassName = "",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = "db" } },
            },
            Status = new V1PersistentVolumeClaimStatus { Phase = "Pending" },
        });
        _world.Reflect();

        await _world.ConvergeAsync();

        Assert.Null(_world.GetClaim("data").Spec.VolumeName);
        Assert.Contains("Normal FailedBinding no persistent volumes available for this claim and no storage class is set", _world.Recorder.Events);

        // A volume that does fit (labels, class, modes) is taken.
        _world.Volume("fits", "5Gi", modes: ["ReadWriteMany"], labels: new() { ["tier"] = "db" });
        await _world.ConvergeAsync();
        Assert.Equal("fits", _world.GetClaim("data").Spec.VolumeName);
        Assert.Equal(claim.Metadata.Uid, _world.GetVolume("fits").Spec.ClaimRef.Uid);
    }

    [Fact]
    public async Task Sync_ClaimNamesVolume_BindsThatVolumeWithoutBoundByControllerOnTheClaim()
    {
        _world.Volume("smaller", "1Gi");
        _world.Volume("chosen", "5Gi");
        _world.Claim("data", "1Gi", volumeName: "chosen");

        await _world.ConvergeAsync();

        var pvc = _world.GetClaim("data");
        Assert.Equal("chosen", pvc.Spec.VolumeName);
        Assert.Equal("Bound", pvc.Status.Phase);
        Assert.False(pvc.Metadata.Annotations.ContainsKey(VolumeAnnotations.BoundByController));
        Assert.Equal("Bound", _world.GetVolume("chosen").Status.Phase);
        Assert.Equal("Available", _world.GetVolume("smaller").Status.Phase);
    }

    [Fact]
    public async Task Sync_ClaimNamesTooSmallVolume_VolumeMismatchEvent()
    {
        _world.Volume("tiny", "1Gi");
        _world.Claim("data", "2Gi", volumeName: "tiny");

        await _world.ConvergeAsync();

        Assert.Equal("Pending", _world.GetClaim("data").Status.Phase);
        Assert.Null(_world.GetVolume("tiny").Spec.ClaimRef);
        Assert.Contains("Warning VolumeMismatch Cannot bind to requested volume \"tiny\": requested PV is too small", _world.Recorder.Events);
    }

    [Fact]
    public async Task Sync_VolumePreBoundByClaimRef_WinsAndKeepsNoBoundByController()
    {
        _world.Volume("smallest", "1Gi");
        _world.Volume("reserved", "8Gi", claimRef: new V1ObjectReference { NamespaceProperty = "ns", Name = "data" });
        await _world.ConvergeAsync();
        Assert.Equal("Available", _world.GetVolume("reserved").Status.Phase);

        _world.Claim("data", "1Gi");
        await _world.ConvergeAsync();

        var pv = _world.GetVolume("reserved");
        Assert.Equal("reserved", _world.GetClaim("data").Spec.VolumeName);
        Assert.Equal("Bound", pv.Status.Phase);
        Assert.False(pv.Metadata.Annotations?.ContainsKey(VolumeAnnotations.BoundByController) ?? false);
        Assert.Equal(_world.GetClaim("data").Metadata.Uid, pv.Spec.ClaimRef.Uid);
    }

    [Fact]
    public async Task Sync_NamedVolumeBoundElsewhere_FailedBindingAndPending()
    {
        _world.Volume("pv1");
        _world.Claim("first", "1Gi");
        await _world.ConvergeAsync();

        _world.Claim("second", "1Gi", volumeName: "pv1");
        await _world.ConvergeAsync();

        Assert.Equal("Pending", _world.GetClaim("second").Status.Phase);
        Assert.Contains("Warning FailedBinding volume \"pv1\" already bound to a different claim.", _world.Recorder.Events);
        Assert.Equal("first", _world.GetVolume("pv1").Spec.ClaimRef.Name);
    }

    [Fact]
    public async Task Sync_WaitForFirstConsumerWithoutNode_WaitsWithEventEvenWithAFreeVolume()
    {
        _world.Class("wffc", mode: "WaitForFirstConsumer", provisioner: "skiff.io/local-path");
        _world.Volume("pv1", storageClass: "wffc");
        _world.Claim("data", storageClass: "wffc");

        await _world.ConvergeAsync();

        Assert.Null(_world.GetClaim("data").Spec.VolumeName);
        Assert.Equal("Pending", _world.GetClaim("data").Status.Phase);
        Assert.Contains("Normal WaitForFirstConsumer waiting for first consumer to be created before binding", _world.Recorder.Events);
        Assert.Null(_world.GetVolume("pv1").Spec.ClaimRef);
    }

    [Fact]
    public async Task Sync_WaitForFirstConsumerWithSelectedNode_HandsTheClaimToTheProvisioner()
    {
        _world.Class("wffc", mode: "WaitForFirstConsumer", provisioner: "skiff.io/local-path");
        _world.Claim("data", storageClass: "wffc", annotations: new() { [VolumeAnnotations.SelectedNode] = "node-a" });

        await _world.ConvergeAsync();

        var pvc = _world.GetClaim("data");
        Assert.Equal("skiff.io/local-path", pvc.Metadata.Annotations[VolumeAnnotations.StorageProvisioner]);
        Assert.Equal("skiff.io/local-path", pvc.Metadata.Annotations[VolumeAnnotations.BetaStorageProvisioner]);
        Assert.Contains(_world.Recorder.Events, e => e.StartsWith("Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'skiff.io/local-path'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_ClassDoesNotExist_ProvisioningFailed()
    {
        _world.Claim("data", storageClass: "missing");
        await _world.ConvergeAsync();
        Assert.Contains("Warning ProvisioningFailed storageclass.storage.k8s.io \"missing\" not found", _world.Recorder.Events);
    }

    [Fact]
    public async Task Sync_ClaimWithoutClass_GetsTheNewestDefaultClassRetroactively()
    {
        _world.Class("old-default", isDefault: true, createdSecondsAgo: 600);
        _world.Class("new-default", isDefault: true, createdSecondsAgo: 10);
        _world.Class("plain");
        _world.Claim("data", storageClass: null);

        await _world.ConvergeAsync();

        Assert.Equal("new-default", _world.GetClaim("data").Spec.StorageClassName);
    }

    [Fact]
    public async Task Sync_ClaimWithEmptyClass_IsNotGivenTheDefault()
    {
        _world.Class("default", isDefault: true);
        _world.Claim("data", storageClass: "");
        await _world.ConvergeAsync();
        Assert.Equal("", _world.GetClaim("data").Spec.StorageClassName);
    }

    [Theory]
    [InlineData("Retain", "Released")]
    [InlineData("Delete", "Failed")]
    public async Task Sync_ClaimDeleted_VolumeReleasedThenReclaimed(string policy, string phase)
    {
        _world.Volume("pv1", reclaim: policy);
        _world.Claim("data");
        await _world.ConvergeAsync();
        Assert.Equal("Bound", _world.GetVolume("pv1").Status.Phase);

        _world.DeleteClaim("data");
        await _world.ConvergeAsync();

        var pv = _world.GetVolume("pv1");
        Assert.Equal(phase, pv.Status.Phase);
        Assert.Equal("data", pv.Spec.ClaimRef.Name);
        if (policy == "Delete")
        {
            // A volume nobody provisioned has no deleter.
            Assert.Contains("Warning VolumeFailedDelete Error getting deleter volume plugin for volume \"pv1\": no deletable volume plugin matched", _world.Recorder.Events);
        }
    }

    [Fact]
    public async Task Sync_ClaimRecreatedUnderTheSameName_OldVolumeIsReleasedNotRebound()
    {
        _world.Volume("pv1");
        _world.Claim("data");
        await _world.ConvergeAsync();

        _world.DeleteClaim("data");
        _world.Claim("data", storageClass: "");
        await _world.ConvergeAsync();

        Assert.Equal("Released", _world.GetVolume("pv1").Status.Phase);
        Assert.Null(_world.GetClaim("data").Spec.VolumeName);
    }

    [Fact]
    public async Task Sync_BoundVolumeDeleted_ClaimLost()
    {
        _world.Volume("pv1");
        _world.Claim("data");
        await _world.ConvergeAsync();

        var pv = _world.GetVolume("pv1");
        await _world.VolumeClient.DeleteAsync(null, "pv1", null, CancellationToken.None);
        _world.Volumes.Delete(pv);
        await _world.ConvergeAsync();

        var pvc = _world.GetClaim("data");
        Assert.Equal("Lost", pvc.Status.Phase);
        Assert.Null(pvc.Status.Capacity);
        Assert.Contains("Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!", _world.Recorder.Events);
    }

    [Fact]
    public async Task Sync_IsIdempotent_NoWritesOnceBound()
    {
        _world.Volume("pv1");
        _world.Claim("data");
        await _world.ConvergeAsync();
        var writes = _world.ClaimClient.Calls.Count + _world.VolumeClient.Calls.Count;

        await _world.Binder.SyncAsync("claim:ns/data", CancellationToken.None);
        await _world.Binder.SyncAsync("volume:pv1", CancellationToken.None);

        Assert.Equal(writes, _world.ClaimClient.Calls.Count + _world.VolumeClient.Calls.Count);
    }

    [Fact]
    public async Task Sync_WaitForFirstConsumerVolumeChosenByTheScheduler_BindIsCompleted()
    {
        _world.Class("wffc", mode: "WaitForFirstConsumer", provisioner: "kubernetes.io/no-provisioner");
        var claim = _world.Claim("data", storageClass: "wffc");
        await _world.ConvergeAsync();

        // The scheduler's PreBind: claimRef with the claim's uid and the bound-by-controller mark.
        var pv = _world.Volume("local-1", storageClass: "wffc", claimRef: new V1ObjectReference
        {
            Kind = "PersistentVolumeClaim", ApiVersion = "v1", NamespaceProperty = "ns", Name = "data", Uid = claim.Metadata.Uid,
        });
        pv.Metadata.Annotations = new Dictionary<string, string> { [VolumeAnnotations.BoundByController] = "yes" };
        await _world.VolumeClient.UpdateAsync(pv, CancellationToken.None);
        _world.Reflect();
        await _world.ConvergeAsync();

        Assert.Equal("local-1", _world.GetClaim("data").Spec.VolumeName);
        Assert.Equal("Bound", _world.GetClaim("data").Status.Phase);
        Assert.Equal("Bound", _world.GetVolume("local-1").Status.Phase);
    }

    [Fact]
    public async Task Sync_ReleasedDeleteVolumeOfAnotherProvisioner_IsLeftToThatProvisioner()
    {
        var pv = _world.Volume("ext", reclaim: "Delete");
        pv.Metadata.Annotations = new Dictionary<string, string> { [VolumeAnnotations.ProvisionedBy] = "csi.example.com" };
        await _world.VolumeClient.UpdateAsync(pv, CancellationToken.None);
        _world.Reflect();
        _world.Claim("data");
        await _world.ConvergeAsync();

        _world.DeleteClaim("data");
        await _world.ConvergeAsync();

        Assert.Equal("Released", _world.GetVolume("ext").Status.Phase);
        Assert.DoesNotContain(_world.Recorder.Events, e => e.Contains("VolumeFailedDelete"));
    }

    [Fact]
    public async Task Sync_NoProvisionerClassAndNoVolume_ProvisioningFailedWithoutHandingItOn()
    {
        _world.Class("manual", provisioner: "kubernetes.io/no-provisioner");
        _world.Claim("data", storageClass: "manual");

        await _world.ConvergeAsync();

        Assert.Contains("Warning ProvisioningFailed no volume plugin matched name: kubernetes.io/no-provisioner", _world.Recorder.Events);
        Assert.False(_world.GetClaim("data").Metadata.Annotations?.ContainsKey(VolumeAnnotations.StorageProvisioner) ?? false);
    }
}
