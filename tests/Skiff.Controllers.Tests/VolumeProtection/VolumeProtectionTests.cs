using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.PersistentVolume;
using Skiff.Controllers.VolumeProtection;

namespace Skiff.Controllers.Tests.VolumeProtection;

public sealed class VolumeProtectionTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1PersistentVolumeClaim> _claims = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V1PersistentVolumeClaim> _claimClient = new(VolumeResources.PersistentVolumeClaims);
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);

    private PvcProtectionController NewPvc() => new(_claims, _pods, _claimClient, _podClient, _time, NullLogger.Instance);

    private V1PersistentVolumeClaim DeletingClaim()
    {
        var claim = _claimClient.Seed(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "ns", DeletionTimestamp = DateTime.UtcNow, Finalizers = [VolumeAnnotations.PvcProtectionFinalizer] },
            Spec = new V1PersistentVolumeClaimSpec(),
        });
        _claims.Add(claim);
        return claim;
    }

    private V1Pod Pod(string name, string? node, string? phase = null)
    {
        var pod = _podClient.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Containers = [new V1Container { Name = "c" }],
                Volumes = [new V1Volume { Name = "v", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }],
            },
            Status = new V1PodStatus { Phase = phase },
        });
        _pods.Add(pod);
        return pod;
    }

    [Fact]
    public async Task Pvc_UsedByAScheduledRunningPod_KeepsItsFinalizer()
    {
        var controller = NewPvc();
        DeletingClaim();
        Pod("user", "node-a", "Running");

        await controller.SyncAsync("ns/data", CancellationToken.None);

        Assert.Empty(_claimClient.Calls);
    }

    [Fact]
    public async Task Pvc_PodGoneOrFinishedOrUnscheduled_FinalizerRemoved()
    {
        var controller = NewPvc();
        DeletingClaim();
        Pod("done", "node-a", "Succeeded");
        Pod("unscheduled", null);

        await controller.SyncAsync("ns/data", CancellationToken.None);

        Assert.Equal(["patch ns/data"], _claimClient.Calls);
        Assert.Null(_claimClient.Objects.Single().Metadata.Finalizers);
    }

    [Fact]
    public async Task Pvc_CacheMissesANewPod_LiveListKeepsTheFinalizer()
    {
        var controller = NewPvc();
        DeletingClaim();
        _podClient.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "new", NamespaceProperty = "ns" },
            Spec = new V1PodSpec { NodeName = "node-a", Volumes = [new V1Volume { Name = "v", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }] },
        });

        await controller.SyncAsync("ns/data", CancellationToken.None);

        Assert.Empty(_claimClient.Calls);
    }

    [Fact]
    public async Task Pvc_PodDeleted_EnqueuesTheClaimItUsed()
    {
        var controller = NewPvc();
        var pod = Pod("user", "node-a", "Running");
        DeletingClaim();
        var (key, _) = await controller.Queue.GetAsync(CancellationToken.None);
        controller.Queue.Done(key);
        Assert.Equal(0, controller.Queue.Length);

        _pods.Delete(pod);

        Assert.Equal(1, controller.Queue.Length);
        Assert.Equal(("ns/data", false), await controller.Queue.GetAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("Bound", false)]
    [InlineData("Released", true)]
    [InlineData("Available", true)]
    public async Task Pv_FinalizerRemovedOnlyWhenNotBound(string phase, bool removed)
    {
        var volumes = new FakeInformer<V1PersistentVolume>();
        var client = new FakeResourceClient<V1PersistentVolume>(VolumeResources.PersistentVolumes);
        var controller = new PvProtectionController(volumes, client, _time, NullLogger.Instance);
        volumes.Add(client.Seed(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv1", DeletionTimestamp = DateTime.UtcNow, Finalizers = [VolumeAnnotations.PvProtectionFinalizer] },
            Status = new V1PersistentVolumeStatus { Phase = phase },
        }));

        await controller.SyncAsync("pv1", CancellationToken.None);

        Assert.Equal(removed ? ["patch pv1"] : [], client.Calls);
    }
}
