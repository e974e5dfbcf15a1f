using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.PodGc;

namespace Skiff.Controllers.Tests.PodGc;

public sealed class PodGcControllerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeResourceClient<V1Node> _nodeClient = new(ApiResource.Nodes);
    private readonly PodGcController _gc;

    public PodGcControllerTests()
    {
        _gc = new PodGcController(_pods, _nodes, _podClient, _nodeClient, new PodGcOptions { TerminatedPodThreshold = 2 }, _time, NullLogger.Instance);
    }

    private V1Pod Pod(string name, string phase = "Running", string? node = null, int ageMinutes = 0, bool terminating = false)
    {
        var pod = _podClient.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", CreationTimestamp = _time.GetUtcNow().UtcDateTime.AddMinutes(-ageMinutes), DeletionTimestamp = terminating ? _time.GetUtcNow().UtcDateTime : null },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "img" }] },
            Status = new V1PodStatus { Phase = phase },
        });
        _pods.Add(pod);
        return pod;
    }

    private void Node(string name)
    {
        var node = _nodeClient.Seed(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        _nodes.Add(node);
    }

    [Fact]
    public async Task Gc_TerminatedOverThreshold_DeletesTheOldest()
    {
        Node("n");
        Pod("old-failed", "Failed", "n", ageMinutes: 30);
        Pod("mid-succeeded", "Succeeded", "n", ageMinutes: 20);
        Pod("new-failed", "Failed", "n", ageMinutes: 10);
        Pod("running", "Running", "n", ageMinutes: 60);
        Assert.Equal(["ns/old-failed"], await _gc.GcAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Gc_TerminatedAtThreshold_DeletesNothing()
    {
        Node("n");
        Pod("a", "Failed", "n");
        Pod("b", "Succeeded", "n");
        Assert.Empty(await _gc.GcAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Gc_PodsOnMissingNode_DeletedOnlyAfterQuarantine_MarkedFailed_AndForced()
    {
        Node("alive");
        Pod("on-alive", node: "alive");
        Pod("orphan", node: "gone");
        Assert.Empty(await _gc.GcAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await _gc.GcAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(["ns/orphan"], await _gc.GcAsync(CancellationToken.None));
        Assert.Equal(["patch ns/orphan", "delete ns/orphan"], _podClient.Calls);
        Assert.Contains("DeletionByPodGC", _podClient.Patches.Single());
        Assert.Contains("\"Failed\"", _podClient.Patches.Single());
        Assert.Equal(0, _podClient.DeleteOptions.Single()!.GracePeriodSeconds);
    }

    [Fact]
    public async Task Gc_NodeAbsentFromCacheButLive_KeepsItsPods()
    {
        _nodeClient.Seed(new V1Node { Metadata = new V1ObjectMeta { Name = "new-node" } });
        Pod("p", node: "new-node");
        await _gc.GcAsync(CancellationToken.None);
        _time.Advance(PodGcController.Quarantine);
        Assert.Empty(await _gc.GcAsync(CancellationToken.None));
        Assert.Empty(_podClient.Calls);
    }

    [Fact]
    public async Task Gc_NodeReturnsDuringQuarantine_ResetsTheClock()
    {
        Pod("p", node: "flaky");
        await _gc.GcAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        Node("flaky");
        await _gc.GcAsync(CancellationToken.None);
        _nodes.Delete(_nodes.Indexer.Get("flaky")!);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await _gc.GcAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Gc_UnscheduledTerminatingPod_IsForceDeleted()
    {
        Pod("stuck", terminating: true);
        Pod("pending");
        Assert.Equal(["ns/stuck"], await _gc.GcAsync(CancellationToken.None));
        Assert.Equal(0, _podClient.DeleteOptions.Single()!.GracePeriodSeconds);
    }
}
