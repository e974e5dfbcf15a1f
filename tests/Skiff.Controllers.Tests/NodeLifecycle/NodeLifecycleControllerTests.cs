using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.NodeLifecycle;

namespace Skiff.Controllers.Tests.NodeLifecycle;

public sealed class NodeLifecycleControllerTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(40);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeInformer<V1Lease> _leases = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V1Node> _nodeClient = new(ApiResource.Nodes);
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeEventRecorder _events = new();
    private readonly NodeLifecycleController _controller;

    public NodeLifecycleControllerTests()
    {
        _controller = new NodeLifecycleController(_nodes, _leases, _pods, _nodeClient, _podClient, _events, new NodeLifecycleOptions { NodeMonitorGracePeriod = Grace }, _time, NullLogger.Instance);
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    private void Node(string name, string? ready = "True", Dictionary<string, string>? labels = null, bool unschedulable = false, params (string Type, string Status)[] extra)
    {
        var conditions = new List<V1NodeCondition>();
        if (ready is not null)
        {
            conditions.Add(new V1NodeCondition { Type = "Ready", Status = ready, LastHeartbeatTime = Now, LastTransitionTime = Now });
        }

        conditions.AddRange(extra.Select(e => new V1NodeCondition { Type = e.Type, Status = e.Status, LastHeartbeatTime = Now, LastTransitionTime = Now }));
        var node = _nodeClient.Seed(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = Now, Labels = labels },
            Spec = new V1NodeSpec { Unschedulable = unschedulable },
            Status = new V1NodeStatus { Conditions = conditions },
        });
        _nodes.Add(node);
    }

    private void Renew(string node) => _leases.Add(new V1Lease
    {
        Metadata = new V1ObjectMeta { Name = node, NamespaceProperty = NodeLifecycleController.NodeLeaseNamespace, ResourceVersion = Guid.NewGuid().ToString() },
        Spec = new V1LeaseSpec { HolderIdentity = node, RenewTime = Now, LeaseDurationSeconds = 40 },
    });

    private void Pod(string name, string node)
    {
        var pod = _podClient.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns" },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "i" }] },
            Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] },
        });
        _pods.Add(pod);
    }

    /// <summary>Plays the informers: what the controller wrote comes back into the caches.</summary>
    private void Observe()
    {
        foreach (var n in _nodeClient.Objects)
        {
            _nodes.Add(n);
        }

        foreach (var p in _podClient.Objects)
        {
            _pods.Add(p);
        }
    }

    private async Task PassAsync()
    {
        await _controller.MonitorAsync(CancellationToken.None);
        Observe();
    }

    private V1Node Stored(string name) => _nodeClient.Objects.Single(n => n.Metadata.Name == name);

    private static V1NodeCondition Condition(V1Node node, string type) => node.Status.Conditions.Single(c => c.Type == type);

    private static List<string> Taints(V1Node node) => (node.Spec?.Taints ?? []).Select(t => $"{t.Key}:{t.Effect}").Order().ToList();

    /// <summary>Moves time forward in monitor-period steps, renewing the given nodes' Leases as their kubelets would.</summary>
    private async Task RunForAsync(TimeSpan span, params string[] renewing)
    {
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromSeconds(5))
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            foreach (var n in renewing)
            {
                Renew(n);
            }

            await PassAsync();
        }
    }

    [Fact]
    public async Task Monitor_LeaseKeepsRenewing_NodeStaysReady_NoTaints()
    {
        Node("a");
        Node("b");
        await PassAsync();
        await RunForAsync(TimeSpan.FromMinutes(3), "a", "b");
        Assert.Equal("True", Condition(Stored("a"), "Ready").Status);
        Assert.Empty(Taints(Stored("a")));
        Assert.Empty(_events.Events);
    }

    [Fact]
    public async Task Monitor_LeaseStops_UnknownOnlyAfterGracePeriod_TaintedUnreachable_PodsNotReady()
    {
        Node("lost");
        Node("healthy");
        Pod("p", "lost");
        Renew("lost");
        Renew("healthy");
        await PassAsync();

        await RunForAsync(TimeSpan.FromSeconds(40), "healthy");
        Assert.Equal("True", Condition(Stored("lost"), "Ready").Status);
        Assert.Empty(Taints(Stored("lost")));

        await RunForAsync(TimeSpan.FromSeconds(5), "healthy");
        var node = Stored("lost");
        foreach (var type in new[] { "Ready", "MemoryPressure", "DiskPressure", "PIDPressure" })
        {
            var c = Condition(node, type);
            Assert.Equal("Unknown", c.Status);
            Assert.Equal(type == "Ready" ? "NodeStatusUnknown" : "NodeStatusNeverUpdated", c.Reason);
        }

        Assert.Equal("Kubelet stopped posting node status.", Condition(node, "Ready").Message);
        Assert.Equal(["node.kubernetes.io/unreachable:NoExecute"], Taints(node));
        Assert.Equal(Now, node.Spec.Taints.Single().TimeAdded);
        Assert.Contains("Normal NodeNotReady Node lost status is now: NodeNotReady", _events.Events);
        Assert.Contains("Warning NodeNotReady Node is not ready", _events.Events);
        Assert.Equal("False", _podClient.Objects.Single().Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal("True", Condition(Stored("healthy"), "Ready").Status);
        Assert.Empty(Taints(Stored("healthy")));
    }

    [Fact]
    public async Task Monitor_KubeletReportsNotReady_TaintedNotReady_ThenSwappedToUnreachableWhenSilent()
    {
        Node("sick", ready: "False");
        Node("healthy");
        Renew("sick");
        Renew("healthy");
        await PassAsync();
        Assert.Equal(["node.kubernetes.io/not-ready:NoExecute"], Taints(Stored("sick")));

        await RunForAsync(TimeSpan.FromSeconds(45), "healthy");
        Assert.Equal("Unknown", Condition(Stored("sick"), "Ready").Status);
        Assert.Equal(["node.kubernetes.io/unreachable:NoExecute"], Taints(Stored("sick")));
    }

    [Fact]
    public async Task Monitor_NodeComesBack_NoExecuteTaintsRemoved()
    {
        Node("flaky");
        Node("healthy");
        Renew("flaky");
        Renew("healthy");
        await PassAsync();
        await RunForAsync(TimeSpan.FromSeconds(45), "healthy");
        Assert.Equal(["node.kubernetes.io/unreachable:NoExecute"], Taints(Stored("flaky")));

        // The kubelet is back: it renews its Lease and posts Ready again.
        var node = Stored("flaky");
        var ready = Condition(node, "Ready");
        ready.Status = "True";
        ready.LastHeartbeatTime = Now;
        ready.LastTransitionTime = Now;
        await _nodeClient.UpdateAsync(node, CancellationToken.None, "status");
        Observe();
        await RunForAsync(TimeSpan.FromSeconds(5), "healthy", "flaky");
        Assert.Empty(Taints(Stored("flaky")));
    }

    [Fact]
    public async Task Monitor_EveryNodeLost_FullDisruption_NoNoExecuteTaint()
    {
        Node("only");
        Renew("only");
        await PassAsync();
        await RunForAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("Unknown", Condition(Stored("only"), "Ready").Status);
        Assert.Empty(Taints(Stored("only")));
    }

    [Fact]
    public async Task Monitor_TwoNodesLostInOneZone_TaintedAtTheEvictionRate()
    {
        foreach (var n in new[] { "a", "b", "c", "d", "e" })
        {
            Node(n);
            Renew(n);
        }

        await PassAsync();
        await RunForAsync(TimeSpan.FromSeconds(45), "c", "d", "e");
        var tainted = new[] { "a", "b" }.Count(n => Taints(Stored(n)).Count > 0);
        Assert.Equal(1, tainted);

        // 0.1 nodes per second: the second waits ten seconds after the first.
        await RunForAsync(TimeSpan.FromSeconds(10), "c", "d", "e");
        Assert.All(new[] { "a", "b" }, n => Assert.Equal(["node.kubernetes.io/unreachable:NoExecute"], Taints(Stored(n))));
    }

    [Fact]
    public async Task Monitor_NodeNeverPostedStatus_UnknownAfterStartupGrace()
    {
        Node("silent", ready: null);
        Node("healthy");
        Renew("healthy");
        await PassAsync();
        await RunForAsync(TimeSpan.FromSeconds(55), "healthy");
        Assert.Null(Stored("silent").Status.Conditions.FirstOrDefault(c => c.Type == "Ready"));

        await RunForAsync(TimeSpan.FromSeconds(10), "healthy");
        var ready = Condition(Stored("silent"), "Ready");
        Assert.Equal("Unknown", ready.Status);
        Assert.Equal("NodeStatusNeverUpdated", ready.Reason);
        Assert.Equal("Kubelet never posted node status.", ready.Message);
    }

    [Fact]
    public async Task Monitor_ControllerRestart_GivesAFullGracePeriod()
    {
        // The node's last heartbeat is old, but this controller has never seen it: no judgement before a grace period passes.
        Node("a");
        Node("b");
        _time.Advance(TimeSpan.FromMinutes(10));
        Renew("b");
        await PassAsync();
        Assert.Equal("True", Condition(Stored("a"), "Ready").Status);
    }

    [Theory]
    [InlineData("Ready", "False", "node.kubernetes.io/not-ready")]
    [InlineData("Ready", "Unknown", "node.kubernetes.io/unreachable")]
    [InlineData("MemoryPressure", "True", "node.kubernetes.io/memory-pressure")]
    [InlineData("DiskPressure", "True", "node.kubernetes.io/disk-pressure")]
    [InlineData("PIDPressure", "True", "node.kubernetes.io/pid-pressure")]
    [InlineData("NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable")]
    public async Task NoScheduleSync_ConditionTaintedThenCleared(string type, string status, string taint)
    {
        if (type == "Ready")
        {
            Node("n", ready: status);
        }
        else
        {
            Node("n", "True", null, false, (type, status));
        }

        await _controller.Sync("n", CancellationToken.None);
        Observe();
        Assert.Equal([taint + ":NoSchedule"], Taints(Stored("n")));

        var node = Stored("n");
        Condition(node, type).Status = type == "Ready" ? "True" : "False";
        await _nodeClient.UpdateAsync(node, CancellationToken.None, "status");
        Observe();
        await _controller.Sync("n", CancellationToken.None);
        Observe();
        Assert.Empty(Taints(Stored("n")));
    }

    [Fact]
    public async Task NoScheduleSync_Cordoned_UnschedulableTaint_KeepsOtherTaints()
    {
        Node("n", unschedulable: true);
        var node = Stored("n");
        node.Spec.Taints = [new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }];
        await _nodeClient.UpdateAsync(node, CancellationToken.None);
        Observe();
        await _controller.Sync("n", CancellationToken.None);
        Observe();
        Assert.Equal(["dedicated:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"], Taints(Stored("n")));
    }

    [Fact]
    public void NodeEvents_EnqueueTheNode()
    {
        Node("n");
        Assert.Equal(1, _controller.Queue.Length);
    }

    [Theory]
    [InlineData(null, null, "")]
    [InlineData("eu", "eu-1", "eu:\0:eu-1")]
    public void ZoneKey_FromTopologyLabels(string? region, string? zone, string expected)
    {
        var labels = new Dictionary<string, string>();
        if (region is not null)
        {
            labels["topology.kubernetes.io/region"] = region;
            labels["topology.kubernetes.io/zone"] = zone!;
        }

        Assert.Equal(expected, NodeLifecycleController.ZoneKey(new V1Node { Metadata = new V1ObjectMeta { Name = "n", Labels = labels } }));
    }
}
