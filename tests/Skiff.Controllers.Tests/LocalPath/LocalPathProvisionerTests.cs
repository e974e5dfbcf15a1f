using k8s.Models;
using Skiff.Controllers.LocalPath;
using Skiff.Controllers.PersistentVolume;
using Skiff.Controllers.Tests.PersistentVolume;

namespace Skiff.Controllers.Tests.LocalPath;

public sealed class LocalPathProvisionerTests : IDisposable
{
    private readonly VolumeWorld _world = new();
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "skiff-localpath-" + Guid.NewGuid().ToString("N")[..10]);

    public LocalPathProvisionerTests()
    {
        _world.AddProvisioner(_storage, "node-a");
    }

    public void Dispose()
    {
        if (Directory.Exists(_storage))
        {
            Directory.Delete(_storage, recursive: true);
        }
    }

    private V1PersistentVolumeClaim WffcClaim(string name, string? node, string size = "3Gi", string reclaim = "Delete")
    {
        if (_world.Classes.Indexer.Get("local-path") is null)
        {
            _world.Class("local-path", mode: "WaitForFirstConsumer", provisioner: LocalPathProvisioner.ProvisionerName, isDefault: true, reclaim: reclaim);
        }

        return _world.Claim(name, size, storageClass: "local-path", modes: ["ReadWriteOnce"],
            annotations: node is null ? null : new() { [VolumeAnnotations.SelectedNode] = node });
    }

    [Fact]
    public async Task Provision_SelectedLocalNode_CreatesDirectoryAndPreBoundVolumeThatTheBinderBinds()
    {
        var claim = WffcClaim("data", "node-a");

        await _world.ConvergeAsync();

        var name = "pvc-" + claim.Metadata.Uid;
        var pv = _world.GetVolume(name);
        var dir = Path.Combine(_storage, $"pvc-{claim.Metadata.Uid}_ns_data");
        Assert.True(Directory.Exists(dir));
        Assert.Equal(dir, pv.Spec.HostPath.Path);
        Assert.Equal("DirectoryOrCreate", pv.Spec.HostPath.Type);
        Assert.Equal("3Gi", pv.Spec.Capacity["storage"].ToString());
        Assert.Equal(["ReadWriteOnce"], pv.Spec.AccessModes);
        Assert.Equal("Delete", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("local-path", pv.Spec.StorageClassName);
        Assert.Equal(LocalPathProvisioner.ProvisionerName, pv.Metadata.Annotations[VolumeAnnotations.ProvisionedBy]);
        Assert.Equal("node-a", LocalPathProvisioner.NodeOf(pv));
        Assert.Equal("Bound", pv.Status.Phase);

        var pvc = _world.GetClaim("data");
        Assert.Equal(name, pvc.Spec.VolumeName);
        Assert.Equal("Bound", pvc.Status.Phase);
        Assert.Equal("3Gi", pvc.Status.Capacity["storage"].ToString());
        Assert.Contains($"Normal ProvisioningSucceeded Successfully provisioned volume {name}", _world.Recorder.Events);
        Assert.Contains("Normal Provisioning External provisioner is provisioning volume for claim \"ns/data\"", _world.Recorder.Events);
    }

    [Fact]
    public async Task Provision_NoNodeSelectedYet_NothingIsCreated()
    {
        WffcClaim("data", node: null);
        await _world.ConvergeAsync();
        Assert.Empty(_world.VolumeClient.Objects);
        Assert.False(Directory.Exists(_storage));
    }

    [Fact]
    public async Task Provision_OtherNode_VolumePinnedThereAndNoLocalDirectory()
    {
        WffcClaim("data", "node-b");
        await _world.ConvergeAsync();
        var pv = Assert.Single(_world.VolumeClient.Objects);
        Assert.Equal("node-b", LocalPathProvisioner.NodeOf(pv));
        Assert.False(Directory.Exists(_storage));
    }

    [Fact]
    public async Task Provision_ImmediateClass_ProvisionsOnThisNodeRightAway()
    {
        _world.Class("now", mode: "Immediate", provisioner: LocalPathProvisioner.ProvisionerName);
        _world.Claim("data", storageClass: "now");
        await _world.ConvergeAsync();
        var pv = Assert.Single(_world.VolumeClient.Objects);
        Assert.Equal("node-a", LocalPathProvisioner.NodeOf(pv));
        Assert.Equal("Bound", _world.GetClaim("data").Status.Phase);
    }

    [Fact]
    public async Task Provision_SelectorOnTheClaim_ProvisioningFailed()
    {
        _world.Class("now", mode: "Immediate", provisioner: LocalPathProvisioner.ProvisionerName);
        var claim = _world.Claim("data", storageClass: "now");
        claim.Spec.Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["a"] = "b" } };
        await _world.ClaimClient.UpdateAsync(claim, CancellationToken.None);
        _world.Reflect();

        await _world.ConvergeAsync();

        Assert.Empty(_world.VolumeClient.Objects);
        Assert.Contains("Warning ProvisioningFailed failed to provision volume with StorageClass \"now\": claim Selector is not supported", _world.Recorder.Events);
    }

    [Fact]
    public async Task Reclaim_Delete_RemovesDirectoryAndVolume()
    {
        var claim = WffcClaim("data", "node-a");
        await _world.ConvergeAsync();
        var dir = Path.Combine(_storage, $"pvc-{claim.Metadata.Uid}_ns_data");
        File.WriteAllText(Path.Combine(dir, "file"), "data");

        _world.DeleteClaim("data");
        await _world.ConvergeAsync();

        Assert.Empty(_world.VolumeClient.Objects);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Reclaim_Retain_KeepsDirectoryAndReleasedVolume()
    {
        var claim = WffcClaim("data", "node-a", reclaim: "Retain");
        await _world.ConvergeAsync();

        _world.DeleteClaim("data");
        await _world.ConvergeAsync();

        Assert.Equal("Released", _world.GetVolume("pvc-" + claim.Metadata.Uid).Status.Phase);
        Assert.True(Directory.Exists(Path.Combine(_storage, $"pvc-{claim.Metadata.Uid}_ns_data")));
    }

    [Fact]
    public async Task Reclaim_PathOutsideTheStorageDirectory_IsRefusedAndTheVolumeKept()
    {
        var outside = Path.Combine(Path.GetTempPath(), "skiff-outside-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(outside);
        try
        {
            var pv = LocalPathProvisioner.NewVolume(_world.Claim("x", storageClass: "local-path"), new V1StorageClass { Metadata = new V1ObjectMeta { Name = "local-path" }, ReclaimPolicy = "Delete" }, "pv-outside", outside, "node-a");
            pv.Status = new V1PersistentVolumeStatus { Phase = "Released" };
            _world.VolumeClient.Seed(pv);
            _world.Reflect();

            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => _world.Provisioner!.SyncAsync("volume:pv-outside", CancellationToken.None));

            Assert.Contains("not under the local-path storage directory", e.Message);
            Assert.True(Directory.Exists(outside));
            Assert.Single(_world.VolumeClient.Objects, v => v.Metadata.Name == "pv-outside");
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task Reclaim_VolumeOnAnotherNode_NotDeletedHere()
    {
        WffcClaim("data", "node-b");
        await _world.ConvergeAsync();
        var pv = Assert.Single(_world.VolumeClient.Objects);
        _world.DeleteClaim("data");

        // The binder releases it; this provisioner cannot reach node-b's disk.
        await Assert.ThrowsAsync<InvalidOperationException>(_world.ConvergeAsync);

        Assert.Equal("Released", _world.GetVolume(pv.Metadata.Name).Status.Phase);
        Assert.Contains(_world.Recorder.Events, e => e.StartsWith("Warning VolumeFailedDelete", StringComparison.Ordinal) && e.Contains("node-b"));
    }
}
