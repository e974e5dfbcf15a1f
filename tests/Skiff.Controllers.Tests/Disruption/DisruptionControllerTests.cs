using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Disruption;

namespace Skiff.Controllers.Tests.Disruption;

public sealed class DisruptionControllerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1PodDisruptionBudget> _budgets = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1ReplicaSet> _replicaSets = new();
    private readonly FakeInformer<V1Deployment> _deployments = new();
    private readonly FakeInformer<V1ReplicationController> _rcs = new();
    private readonly FakeInformer<V1StatefulSet> _statefulSets = new();
    private readonly FakeResourceClient<V1PodDisruptionBudget> _client = new(new ApiResource("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true));
    private readonly DisruptionController _controller;

    public DisruptionControllerTests()
    {
        _controller = new DisruptionController(_budgets, _pods, _replicaSets, _deployments, _rcs, _statefulSets, _client, _time, NullLogger.Instance);
    }

    private void Budget(string? minAvailable = null, string? maxUnavailable = null)
    {
        var pdb = _client.Seed(new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "pdb", NamespaceProperty = "ns", Generation = 1 },
            Spec = new V1PodDisruptionBudgetSpec
            {
                MinAvailable = minAvailable is null ? null : (IntOrString)minAvailable,
                MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            },
            Status = new V1PodDisruptionBudgetStatus(),
        });
        _budgets.Add(pdb);
    }

    private void Pod(string name, bool ready, V1OwnerReference? owner = null, string app = "web") => _pods.Add(new V1Pod
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["app"] = app }, OwnerReferences = owner is null ? null : [owner] },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
    });

    private V1PodDisruptionBudgetStatus Status() => _client.Objects.Single().Status;

    [Fact]
    public async Task Sync_MaxUnavailable_UsesTheDeploymentScale()
    {
        _deployments.Add(new V1Deployment { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "d1" }, Spec = new V1DeploymentSpec { Replicas = 4 } });
        _replicaSets.Add(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "ns", Uid = "rs1", OwnerReferences = [new V1OwnerReference { Kind = "Deployment", Name = "web", Uid = "d1", Controller = true, ApiVersion = "apps/v1" }] },
            Spec = new V1ReplicaSetSpec { Replicas = 4 },
        });
        var owner = new V1OwnerReference { Kind = "ReplicaSet", Name = "web-1", Uid = "rs1", Controller = true, ApiVersion = "apps/v1" };
        Pod("a", true, owner);
        Pod("b", true, owner);
        Pod("c", true, owner);
        Pod("d", false, owner);
        Pod("x", true, app: "other");
        Budget(maxUnavailable: "1");

        await _controller.SyncAsync("ns/pdb", CancellationToken.None);
        var s = Status();
        Assert.Equal((4, 3, 3, 0, 1L), (s.ExpectedPods, s.CurrentHealthy, s.DesiredHealthy, s.DisruptionsAllowed, s.ObservedGeneration ?? 0));
        var c = Assert.Single(s.Conditions);
        Assert.Equal(("DisruptionAllowed", "False", "InsufficientPods"), (c.Type, c.Status, c.Reason));
    }

    [Fact]
    public async Task Sync_MinAvailable_AllowsTheSurplus_SufficientPods()
    {
        Pod("a", true);
        Pod("b", true);
        Pod("c", true);
        Budget(minAvailable: "2");

        await _controller.SyncAsync("ns/pdb", CancellationToken.None);
        var s = Status();
        Assert.Equal((3, 3, 2, 1), (s.ExpectedPods, s.CurrentHealthy, s.DesiredHealthy, s.DisruptionsAllowed));
        Assert.Equal(("True", "SufficientPods"), (s.Conditions[0].Status, s.Conditions[0].Reason));
    }

    [Fact]
    public async Task Sync_PercentageWithAnUnknownController_FailsSafe()
    {
        Pod("a", true, new V1OwnerReference { Kind = "ReplicaSet", Name = "missing", Uid = "zz", Controller = true, ApiVersion = "apps/v1" });
        Budget(minAvailable: "50%");

        await _controller.SyncAsync("ns/pdb", CancellationToken.None);
        var s = Status();
        Assert.Equal(0, s.DisruptionsAllowed);
        Assert.Equal(("False", "SyncFailed"), (s.Conditions[0].Status, s.Conditions[0].Reason));
        Assert.Contains("found no controllers for pod \"a\"", s.Conditions[0].Message);
    }

    [Fact]
    public async Task PodEvents_EnqueueTheBudgetsSelectingThePod()
    {
        Budget(minAvailable: "1");
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }

        Pod("other", true, app: "other");
        Assert.Equal(0, _controller.Queue.Length);
        Pod("mine", true);
        Assert.Equal(1, _controller.Queue.Length);
    }
}
