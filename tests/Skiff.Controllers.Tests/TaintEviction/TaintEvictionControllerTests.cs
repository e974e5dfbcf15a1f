using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.TaintEviction;

namespace Skiff.Controllers.Tests.TaintEviction;

public sealed class TaintEvictionControllerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeEventRecorder _events = new();
    private readonly TaintEvictionController _controller;

    public TaintEvictionControllerTests()
    {
        _controller = new TaintEvictionController(_nodes, _pods, _podClient, _events, _time, NullLogger.Instance);
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    private void Node(string name, params V1Taint[] taints) =>
        _nodes.Add(new V1Node { Metadata = new V1ObjectMeta { Name = name, ResourceVersion = Guid.NewGuid().ToString() }, Spec = new V1NodeSpec { Taints = taints } });

    private static V1Taint Unreachable(DateTime? added) => new() { Key = "node.kubernetes.io/unreachable", Effect = "NoExecute", TimeAdded = added };

    private static V1Toleration Tolerate(string key, long? seconds) => new() { Key = key, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = seconds };

    private void Pod(string name, string node, params V1Toleration[] tolerations)
    {
        var pod = _podClient.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" },
            Spec = new V1PodSpec { NodeName = node, Tolerations = tolerations, Containers = [new V1Container { Name = "c", Image = "i" }] },
            Status = new V1PodStatus { Phase = "Running" },
        });
        _pods.Add(pod);
    }

    /// <summary>Runs the sync for a pod; returns the requeue delay it asked for, if any.</summary>
    private async Task<TimeSpan?> SyncAsync(string key)
    {
        try
        {
            await _controller.Sync(key, CancellationToken.None);
            return null;
        }
        catch (RequeueAfterException requeue)
        {
            return requeue.Delay;
        }
    }

    private bool Deleted(string name) => _podClient.Calls.Contains("delete ns/" + name);

    [Fact]
    public async Task Sync_TaintNotTolerated_DeletedAtOnce_WithEventAndDisruptionTarget()
    {
        Node("n", new V1Taint { Key = "dedicated", Value = "x", Effect = "NoExecute", TimeAdded = Now });
        Pod("p", "n");
        Assert.Null(await SyncAsync("ns/p"));
        Assert.True(Deleted("p"));
        Assert.Contains("Normal TaintManagerEviction Marking for deletion Pod ns/p", _events.Events);
        var patch = _podClient.Patches.Single();
        Assert.Contains("\"DisruptionTarget\"", patch);
        Assert.Contains("DeletionByTaintManager", patch);
        Assert.NotNull(_podClient.DeleteOptions.Single()!.Preconditions.Uid);
    }

    [Fact]
    public async Task Sync_TolerationSeconds_DeletedWhenItRunsOut_CountedFromTimeAdded()
    {
        Node("n", Unreachable(Now.AddSeconds(-2)));
        Pod("p", "n", Tolerate("node.kubernetes.io/unreachable", 5));
        Assert.Equal(TimeSpan.FromSeconds(3), await SyncAsync("ns/p"));
        Assert.False(Deleted("p"));

        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Equal(TimeSpan.FromSeconds(0.1), await SyncAsync("ns/p"));
        Assert.False(Deleted("p"));

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Null(await SyncAsync("ns/p"));
        Assert.True(Deleted("p"));
    }

    [Fact]
    public async Task Sync_ToleratedForever_NeverDeleted()
    {
        Node("n", Unreachable(Now));
        Pod("forever", "n", Tolerate("node.kubernetes.io/unreachable", null));
        Assert.Null(await SyncAsync("ns/forever"));
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Null(await SyncAsync("ns/forever"));
        Assert.Empty(_podClient.Calls);
    }

    [Fact]
    public async Task Sync_EmptyKeyExistsToleration_ToleratesEverything()
    {
        Node("n", Unreachable(Now), new V1Taint { Key = "other", Effect = "NoExecute" });
        Pod("p", "n", new V1Toleration { OperatorProperty = "Exists" });
        Assert.Null(await SyncAsync("ns/p"));
        Assert.Empty(_podClient.Calls);
    }

    [Fact]
    public async Task Sync_SeveralTaints_TheEarliestExpiryWins()
    {
        Node("n", Unreachable(Now), new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoExecute", TimeAdded = Now });
        Pod("p", "n", Tolerate("node.kubernetes.io/unreachable", 300), Tolerate("node.kubernetes.io/not-ready", 30));
        Assert.Equal(TimeSpan.FromSeconds(30), await SyncAsync("ns/p"));
    }

    [Fact]
    public async Task Sync_TaintRemovedBeforeExpiry_CancelledWithEvent()
    {
        Node("n", Unreachable(Now));
        Pod("p", "n", Tolerate("node.kubernetes.io/unreachable", 60));
        Assert.NotNull(await SyncAsync("ns/p"));

        Node("n");
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await SyncAsync("ns/p"));
        Assert.False(Deleted("p"));
        Assert.Contains("Normal TaintManagerEviction Cancelling deletion of Pod ns/p", _events.Events);
    }

    [Fact]
    public async Task Sync_NoScheduleTaintOnly_Ignored()
    {
        Node("n", new V1Taint { Key = "node.kubernetes.io/unreachable", Effect = "NoSchedule", TimeAdded = Now });
        Pod("p", "n");
        Assert.Null(await SyncAsync("ns/p"));
        Assert.Empty(_podClient.Calls);
        Assert.Empty(_events.Events);
    }

    [Fact]
    public async Task Sync_TaintWithoutTimeAdded_CountsFromFirstSight()
    {
        Node("n", Unreachable(null));
        Pod("p", "n", Tolerate("node.kubernetes.io/unreachable", 10));
        Assert.Equal(TimeSpan.FromSeconds(10), await SyncAsync("ns/p"));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(6), await SyncAsync("ns/p"));
    }

    [Fact]
    public async Task Handlers_TaintChange_EnqueuesThePodsOfTheNode()
    {
        Node("n");
        Node("other");
        Pod("on-n", "n");
        Pod("elsewhere", "other");
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }

        Node("n", Unreachable(Now));
        Assert.Equal(1, _controller.Queue.Length);
        var (queued, _) = await _controller.Queue.GetAsync(CancellationToken.None);
        Assert.Equal("ns/on-n", queued);
    }
}
