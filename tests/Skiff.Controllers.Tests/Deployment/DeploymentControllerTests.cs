using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Deployment;

namespace Skiff.Controllers.Tests.Deployment;

public sealed class DeploymentControllerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1Deployment> _deployments = new();
    private readonly FakeInformer<V1ReplicaSet> _sets = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V1Deployment> _dClient = new(ApiResource.Deployments);
    private readonly FakeResourceClient<V1ReplicaSet> _rsClient = new(ApiResource.ReplicaSets);
    private readonly FakeEventRecorder _events = new();
    private readonly DeploymentController _controller;

    public DeploymentControllerTests()
    {
        _controller = new DeploymentController(_deployments, _sets, _pods, _dClient, _rsClient, _events, _time, NullLogger.Instance);
    }

    private V1Deployment Deploy(int replicas, string image = "img", string type = "RollingUpdate", bool paused = false)
    {
        var d = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Generation = 1 },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Paused = paused,
                ProgressDeadlineSeconds = 600,
                RevisionHistoryLimit = 10,
                Strategy = new V1DeploymentStrategy { Type = type, RollingUpdate = type == "RollingUpdate" ? new V1RollingUpdateDeployment { MaxSurge = "1", MaxUnavailable = "1" } : null },
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
                },
            },
        };
        var stored = _dClient.Seed(d);
        _deployments.Add(stored);
        return stored;
    }

    /// <summary>Feeds what the fake API holds back into the informers, as a watch would.</summary>
    private void Observe()
    {
        foreach (var rs in _rsClient.Objects)
        {
            _sets.Add(rs);
        }

        foreach (var d in _dClient.Objects)
        {
            _deployments.Add(d);
        }
    }

    /// <summary>Plays the ReplicaSet controller: every ReplicaSet reports all its replicas available.</summary>
    private void AllAvailable()
    {
        foreach (var rs in _rsClient.Objects)
        {
            rs.Status = new V1ReplicaSetStatus { Replicas = rs.Spec.Replicas ?? 0, ReadyReplicas = rs.Spec.Replicas, AvailableReplicas = rs.Spec.Replicas, ObservedGeneration = rs.Metadata.Generation ?? 1 };
            _rsClient.UpdateAsync(rs, CancellationToken.None, "status").GetAwaiter().GetResult();
        }
    }

    [Fact]
    public async Task FirstSync_CreatesReplicaSet_WithHashRevisionAndOwner()
    {
        var d = Deploy(3);
        await _controller.SyncAsync("ns/web", CancellationToken.None);

        var rs = Assert.Single(_rsClient.Objects);
        var hash = rs.Metadata.Labels["pod-template-hash"];
        Assert.Equal("web-" + hash, rs.Metadata.Name);
        Assert.Equal(hash, rs.Spec.Selector.MatchLabels["pod-template-hash"]);
        Assert.Equal(hash, rs.Spec.Template.Metadata.Labels["pod-template-hash"]);
        Assert.Equal(3, rs.Spec.Replicas);
        Assert.Equal("1", rs.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("3", rs.Metadata.Annotations["deployment.kubernetes.io/desired-replicas"]);
        Assert.Equal("4", rs.Metadata.Annotations["deployment.kubernetes.io/max-replicas"]);
        Assert.Equal(d.Metadata.Uid, Assert.Single(rs.Metadata.OwnerReferences).Uid);

        var stored = Assert.Single(_dClient.Objects);
        Assert.Equal("1", stored.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("NewReplicaSetCreated", stored.Status.Conditions.Single(c => c.Type == "Progressing").Reason);
        Assert.Contains(_events.Events, e => e.Contains("Scaled up replica set web-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rollout_StepsStayWithinSurgeAndUnavailability_UntilComplete()
    {
        Deploy(4);
        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Observe();
        AllAvailable();
        Observe();
        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Observe();
        Assert.Equal("NewReplicaSetAvailable", _dClient.Objects.Single().Status.Conditions.Single(c => c.Type == "Progressing").Reason);

        // New template: a rollout, observed one step at a time.
        var d = _dClient.Objects.Single();
        d.Spec.Template.Spec.Containers[0].Image = "img2";
        d.Metadata.Generation = 2;
        await _dClient.UpdateAsync(d, CancellationToken.None);
        Observe();
        for (var step = 0; step < 20; step++)
        {
            await _controller.SyncAsync("ns/web", CancellationToken.None);
            Observe();
            var sets = _rsClient.Objects;
            Assert.True(sets.Sum(s => s.Spec.Replicas ?? 0) <= 5, "more than replicas + maxSurge");
            AllAvailable();
            Observe();
            Assert.True(sets.Sum(s => s.Status?.AvailableReplicas ?? 0) >= 3, "fewer than replicas - maxUnavailable available");
        }

        var final = _rsClient.Objects;
        Assert.Equal(2, final.Count);
        var current = final.Single(s => s.Spec.Template.Spec.Containers[0].Image == "img2");
        Assert.Equal(4, current.Spec.Replicas);
        Assert.Equal("2", current.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal(0, final.Single(s => s != current).Spec.Replicas);
        var status = _dClient.Objects.Single().Status;
        Assert.Equal(4, status.UpdatedReplicas);
        Assert.Equal(2, status.ObservedGeneration);
    }

    [Fact]
    public async Task Recreate_ScalesOldToZero_AndWaitsForOldPodsBeforeCreatingNew()
    {
        Deploy(2, type: "Recreate");
        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Observe();
        var oldRs = Assert.Single(_rsClient.Objects);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "old-pod", NamespaceProperty = "ns", OwnerReferences = [new V1OwnerReference { Uid = oldRs.Metadata.Uid, Kind = "ReplicaSet", Name = oldRs.Metadata.Name, ApiVersion = "apps/v1", Controller = true }] },
            Status = new V1PodStatus { Phase = "Running" },
        };
        _pods.Add(pod);

        var d = _dClient.Objects.Single();
        d.Spec.Template.Spec.Containers[0].Image = "img2";
        await _dClient.UpdateAsync(d, CancellationToken.None);
        Observe();
        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Observe();
        Assert.Equal(0, Assert.Single(_rsClient.Objects).Spec.Replicas);

        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Observe();
        Assert.Single(_rsClient.Objects);

        _pods.Delete(pod);
        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Assert.Equal(2, _rsClient.Objects.Count);
        Assert.Equal(2, _rsClient.Objects.Single(r => r.Spec.Template.Spec.Containers[0].Image == "img2").Spec.Replicas);
    }

    [Fact]
    public async Task Paused_DoesNotRollOut_ButShowsPausedCondition()
    {
        Deploy(2);
        await _controller.SyncAsync("ns/web", CancellationToken.None);
        Observe();
        var d = _dClient.Objects.Single();
        d.Spec.Paused = true;
        d.Spec.Template.Spec.Containers[0].Image = "img2";
        await _dClient.UpdateAsync(d, CancellationToken.None);
        Observe();
        await _controller.SyncAsync("ns/web", CancellationToken.None);

        Assert.Single(_rsClient.Objects);
        Assert.Equal("DeploymentPaused", _dClient.Objects.Single().Status.Conditions.Single(c => c.Type == "Progressing").Reason);
    }

    [Fact]
    public async Task RevisionHistoryLimit_DeletesOldestScaledDownReplicaSets()
    {
        var d = Deploy(1);
        d.Spec.RevisionHistoryLimit = 1;
        for (var i = 1; i <= 3; i++)
        {
            var template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web", ["pod-template-hash"] = "h" + i } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "old" + i }] },
            };
            var rs = _rsClient.Seed(new V1ReplicaSet
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "web-h" + i,
                    NamespaceProperty = "ns",
                    Labels = new Dictionary<string, string> { ["app"] = "web" },
                    Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = i.ToString() },
                    OwnerReferences = [new V1OwnerReference { Uid = d.Metadata.Uid, Kind = "Deployment", Name = "web", ApiVersion = "apps/v1", Controller = true }],
                },
                Spec = new V1ReplicaSetSpec { Replicas = 0, Template = template, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } },
                Status = new V1ReplicaSetStatus { Replicas = 0 },
            });
            _sets.Add(rs);
        }

        _deployments.Add(d);
        for (var i = 0; i < 3; i++)
        {
            await _controller.SyncAsync("ns/web", CancellationToken.None);
            Observe();
            AllAvailable();
            Observe();
        }

        var names = _rsClient.Objects.Select(r => r.Metadata.Name).ToList();
        Assert.Equal(2, names.Count);
        Assert.Contains("web-h3", names);
        Assert.Equal("4", _rsClient.Objects.Single(r => r.Metadata.Name != "web-h3").Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }
}
