using k8s.Models;
using Skiff.Scheduler.Plugins.VolumeBinding;

namespace Skiff.Scheduler.Tests;

/// <summary>Volume topology through the scheduling loop: pinned pods, the exact failure messages, and binding at scheduling for WaitForFirstConsumer.</summary>
public sealed class VolumeSchedulingTests
{
    private const string NotHelpful = " preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

    private readonly Harness _h = new();

    public VolumeSchedulingTests()
    {
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            _h.Nodes.Add(Make.Node(n));
        }

        _h.Classes.Add(MakeVolumes.Class("local"));
        _h.Classes.Add(MakeVolumes.Class("local-path", provisioner: "skiff.io/local-path"));
        _h.Classes.Add(MakeVolumes.Class("fast", mode: "Immediate", provisioner: "example.com/fast"));
    }

    private static V1ObjectReference Ref(string claim) => new() { Name = claim, NamespaceProperty = "default", Uid = "claim-" + claim };

    [Fact]
    public async Task BoundLocalVolume_PinsPodToItsNode()
    {
        _h.Volumes.Add(MakeVolumes.Volume("pv-n2", node: "n2", claimRef: Ref("data")));
        _h.Claims.Add(MakeVolumes.Claim("data", volumeName: "pv-n2"));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));

        await _h.RunQueueAsync();

        Assert.Equal([("default/p", "n2")], _h.Binder.Bound);
        Assert.Empty(_h.Api.Requests);
    }

    [Theory]
    [InlineData("local", null, "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind." + NotHelpful)]
    [InlineData("local", "pv-elsewhere", "0/3 nodes are available: 3 node(s) had volume node affinity conflict." + NotHelpful)]
    [InlineData("fast", null, "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." + NotHelpful)]
    public async Task Unschedulable_KubernetesMessages(string cls, string? volume, string expected)
    {
        _h.Volumes.Add(MakeVolumes.Volume("pv-elsewhere", node: "n9", claimRef: Ref("data")));
        _h.Claims.Add(MakeVolumes.Claim("data", cls: cls, volumeName: volume));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));

        await _h.RunQueueAsync();

        Assert.Empty(_h.Binder.Bound);
        Assert.Equal(expected, _h.LastFailure());
    }

    [Fact]
    public async Task WaitForFirstConsumer_StaticVolume_ClaimRefSet_PodBoundOnceClaimIsBound()
    {
        _h.Volumes.Add(MakeVolumes.Volume("pv-n3", node: "n3"));
        _h.Claims.Add(MakeVolumes.Claim("data"));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));

        await _h.ScheduleAllAsync();

        // PreBind wrote the claim reference (what kube-scheduler's binder writes) and now waits for the PV controller.
        var put = Assert.Single(_h.Api.Requests);
        Assert.Equal(("PUT", "/api/v1/persistentvolumes/pv-n3"), (put.Method, put.Path));
        var written = k8s.KubernetesJson.Deserialize<V1PersistentVolume>(put.Body);
        Assert.Equal(("default", "data", "claim-data"), (written.Spec.ClaimRef.NamespaceProperty, written.Spec.ClaimRef.Name, written.Spec.ClaimRef.Uid));
        Assert.Equal("yes", written.Metadata.Annotations[VolumeBindingPlugin.AnnBoundByController]);
        Assert.Empty(_h.Binder.Bound);

        // The PV controller's half, played here: the claim becomes Bound to that volume.
        _h.Claims.Add(MakeVolumes.Claim("data", volumeName: "pv-n3"));
        await _h.Scheduler.DrainAsync();

        Assert.Equal([("default/p", "n3")], _h.Binder.Bound);
    }

    [Fact]
    public async Task WaitForFirstConsumer_Provisioner_SelectedNodeAnnotated_ThenBound()
    {
        _h.Claims.Add(MakeVolumes.Claim("data", cls: "local-path"));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));

        await _h.ScheduleAllAsync();

        var patch = Assert.Single(_h.Api.Requests);
        Assert.Equal(("PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/data"), (patch.Method, patch.Path));
        var annotations = k8s.KubernetesJson.Deserialize<V1PersistentVolumeClaim>(patch.Body).Metadata.Annotations;
        var node = annotations[VolumeBindingPlugin.AnnSelectedNode];
        Assert.Contains(node, new[] { "n1", "n2", "n3" });
        Assert.Equal("skiff.io/local-path", annotations[VolumeBindingPlugin.AnnStorageProvisioner]);
        Assert.Empty(_h.Binder.Bound);

        // A claim update that is not yet a bind keeps the pod waiting.
        var annotated = MakeVolumes.Claim("data", cls: "local-path");
        annotated.Metadata.ResourceVersion = "2";
        annotated.Metadata.Annotations = new Dictionary<string, string>(annotations);
        _h.Claims.Add(annotated);
        await Task.Yield();
        Assert.Empty(_h.Binder.Bound);

        var bound = MakeVolumes.Claim("data", cls: "local-path", volumeName: "pvc-123");
        bound.Metadata.Annotations = new Dictionary<string, string>(annotations);
        _h.Claims.Add(bound);
        await _h.Scheduler.DrainAsync();

        Assert.Equal([("default/p", node)], _h.Binder.Bound);
    }

    [Fact]
    public async Task WaitForFirstConsumer_BindTimesOut_PodRetried_VolumeReleasedForOthers()
    {
        _h.Volumes.Add(MakeVolumes.Volume("pv-n1", node: "n1"));
        _h.Claims.Add(MakeVolumes.Claim("data"));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));
        await _h.ScheduleAllAsync();
        Assert.Single(_h.Api.Requests);

        _h.Time.Advance(TimeSpan.FromMinutes(10));
        await _h.Scheduler.DrainAsync();

        Assert.Empty(_h.Binder.Bound);
        Assert.Equal(1, _h.Scheduler.Queue.BackoffCount);

        // The failed pod's assumption is gone: another claim may take the volume.
        _h.Claims.Add(MakeVolumes.Claim("b"));
        _h.Pods.Add(Make.Pod("pb").WithClaims("b"));
        await _h.ScheduleAllAsync();
        Assert.Contains(_h.Api.Requests, r => r.Method == "PUT" && r.Body.Contains("\"name\":\"b\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SameVolume_NotChosenTwice_WhileFirstBindIsInFlight()
    {
        _h.Volumes.Add(MakeVolumes.Volume("only", node: "n1"));
        _h.Claims.Add(MakeVolumes.Claim("a"));
        _h.Claims.Add(MakeVolumes.Claim("b"));
        _h.Pods.Add(Make.Pod("pa").WithClaims("a"));
        _h.Pods.Add(Make.Pod("pb").WithClaims("b"));

        await _h.ScheduleAllAsync();

        // The second pod's cycle saw the volume assumed for claim a, though the informer does not show its claimRef yet.
        Assert.Single(_h.Api.Requests, r => r.Method == "PUT");
        Assert.Contains("0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind.", _h.LastFailure(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VolumeAdded_MovesUnschedulablePodBack()
    {
        _h.Claims.Add(MakeVolumes.Claim("data"));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));
        await _h.RunQueueAsync();
        Assert.Equal(1, _h.Scheduler.Queue.UnschedulableCount);

        _h.Time.Advance(TimeSpan.FromSeconds(2));
        _h.Volumes.Add(MakeVolumes.Volume("pv-n2", node: "n2"));
        await _h.ScheduleAllAsync();

        Assert.Equal(0, _h.Scheduler.Queue.UnschedulableCount);
        Assert.Contains(_h.Api.Requests, r => r.Path == "/api/v1/persistentvolumes/pv-n2" && r.Method == "PUT");
    }

    [Fact]
    public async Task MissingStorageClass_IsAnError_RetriedWithBackoff()
    {
        _h.Claims.Add(MakeVolumes.Claim("data", cls: "no-such-class"));
        _h.Pods.Add(Make.Pod("p").WithClaims("data"));

        await _h.RunQueueAsync();

        Assert.Contains("Warning FailedScheduling storageclass.storage.k8s.io \"no-such-class\" not found", _h.Events.Events);
        Assert.Equal(1, _h.Scheduler.Queue.BackoffCount);
        Assert.Equal(0, _h.Scheduler.Queue.UnschedulableCount);
    }
}
