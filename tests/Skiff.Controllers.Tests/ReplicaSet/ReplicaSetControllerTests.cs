using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.ReplicaSet;

namespace Skiff.Controllers.Tests.ReplicaSet;

public sealed class ReplicaSetControllerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1ReplicaSet> _sets = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeResourceClient<V1ReplicaSet> _rsClient = new(ApiResource.ReplicaSets);
    private readonly FakeEventRecorder _events = new();
    private readonly ReplicaSetController<V1ReplicaSet> _controller;

    public ReplicaSetControllerTests()
    {
        _controller = new ReplicaSetController<V1ReplicaSet>("replicaset", ReplicaSetAdapter.Instance, _sets, _pods, _podClient, _rsClient, _events, new ReplicaSetControllerOptions(), _time, NullLogger.Instance);
    }

    private V1ReplicaSet Rs(int replicas, string name = "rs")
    {
        var rs = new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Generation = 1 },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "a" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "a" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "img" }] },
                },
            },
        };
        _rsClient.Seed(rs);
        _sets.Add(rs);
        return rs;
    }

    private V1Pod Pod(string name, V1ReplicaSet? owner, string? node = null, bool ready = false, string phase = "Pending", DateTime? created = null, string app = "a")
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "ns",
                Labels = new Dictionary<string, string> { ["app"] = app },
                CreationTimestamp = created ?? DateTime.UtcNow,
                OwnerReferences = owner is null ? null : [Objects.ControllerRef(owner, "apps/v1", "ReplicaSet")],
            },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "img" }] },
            Status = new V1PodStatus
            {
                Phase = phase,
                Conditions = ready ? [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow.AddMinutes(-5) }] : null,
            },
        };
        _podClient.Seed(pod);
        _pods.Add(pod);
        return pod;
    }

    [Fact]
    public async Task Sync_TooFewPods_CreatesFromTemplate_WithControllerRef_AndRecordsExpectations()
    {
        var rs = Rs(3);
        await _controller.Sync("ns/rs", CancellationToken.None);

        Assert.Equal(3, _podClient.Objects.Count);
        foreach (var pod in _podClient.Objects)
        {
            var owner = Assert.Single(pod.Metadata.OwnerReferences);
            Assert.Equal(rs.Metadata.Uid, owner.Uid);
            Assert.True(owner.Controller);
            Assert.True(owner.BlockOwnerDeletion);
            Assert.StartsWith("rs-", pod.Metadata.Name);
            Assert.Equal("a", pod.Metadata.Labels["app"]);
        }

        Assert.Equal((3, 0), _controller.Expectations.Pending("ns/rs"));
        Assert.Equal(3, _events.Events.Count(e => e.StartsWith("Normal SuccessfulCreate", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sync_WhileCreationsAreUnobserved_DoesNotCreateTwice()
    {
        Rs(3);
        await _controller.Sync("ns/rs", CancellationToken.None);
        // The informer has not shown the new pods yet: a second sync must not create again.
        await _controller.Sync("ns/rs", CancellationToken.None);
        Assert.Equal(3, _podClient.Objects.Count);

        foreach (var created in _podClient.Objects)
        {
            _pods.Add(created);
        }

        Assert.True(_controller.Expectations.Satisfied("ns/rs"));
        await _controller.Sync("ns/rs", CancellationToken.None);
        Assert.Equal(3, _podClient.Objects.Count);
    }

    [Fact]
    public async Task Sync_WritesStatus_WithReadyAndAvailableCounts()
    {
        var rs = Rs(2);
        Pod("p1", rs, node: "n", ready: true, phase: "Running");
        Pod("p2", rs);
        await _controller.Sync("ns/rs", CancellationToken.None);

        var status = Assert.Single(_rsClient.Objects).Status;
        Assert.Equal(2, status.Replicas);
        Assert.Equal(2, status.FullyLabeledReplicas);
        Assert.Equal(1, status.ReadyReplicas);
        Assert.Equal(1, status.AvailableReplicas);
        Assert.Equal(1, status.ObservedGeneration);
        Assert.Contains("status ns/rs", _rsClient.Calls);
    }

    [Fact]
    public async Task Sync_TooManyPods_DeletesUnreadyAndUnscheduledFirst()
    {
        var rs = Rs(2);
        var old = DateTime.UtcNow.AddHours(-1);
        Pod("running-ready", rs, node: "n1", ready: true, phase: "Running", created: old);
        Pod("unscheduled", rs, created: old);
        Pod("running-not-ready", rs, node: "n2", phase: "Running", created: old);
        Pod("running-ready-2", rs, node: "n3", ready: true, phase: "Running", created: old);
        await _controller.Sync("ns/rs", CancellationToken.None);

        var deleted = _podClient.Calls.Where(c => c.StartsWith("delete", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(["delete ns/running-not-ready", "delete ns/unscheduled"], deleted);
        Assert.Equal((0, 2), _controller.Expectations.Pending("ns/rs"));
    }

    [Fact]
    public async Task Sync_AdoptsMatchingOrphan_AndReleasesNonMatchingPod()
    {
        var rs = Rs(2);
        Pod("orphan", null);
        Pod("mine-relabeled", rs, app: "other");
        Pod("mine", rs);
        await _controller.Sync("ns/rs", CancellationToken.None);

        var adopted = _podClient.Objects.Single(p => p.Metadata.Name == "orphan");
        Assert.Equal(rs.Metadata.Uid, Assert.Single(adopted.Metadata.OwnerReferences).Uid);
        var released = _podClient.Objects.Single(p => p.Metadata.Name == "mine-relabeled");
        Assert.True(released.Metadata.OwnerReferences is null or { Count: 0 });
        Assert.DoesNotContain(_podClient.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_CreateFails_LowersExpectations_SetsReplicaFailure_AndRetries()
    {
        Rs(4);
        _podClient.FailCreate = _ => new ApiException(HttpStatusCode.Forbidden, new V1Status { Reason = "Forbidden", Message = "exceeded quota" }, "exceeded quota");
        await Assert.ThrowsAsync<ApiException>(() => _controller.Sync("ns/rs", CancellationToken.None));

        // Slow start: the first batch of one failed, so the other three were never tried.
        Assert.Single(_podClient.Calls, c => c == "create-failed");
        Assert.True(_controller.Expectations.Satisfied("ns/rs"));
        var condition = Assert.Single(_rsClient.Objects.Single().Status.Conditions);
        Assert.Equal("ReplicaFailure", condition.Type);
        Assert.Equal("FailedCreate", condition.Reason);
        Assert.Contains(_events.Events, e => e.StartsWith("Warning FailedCreate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SlowStartBatch_StopsAtTheFirstFailingBatch()
    {
        var calls = 0;
        var result = await ReplicaSetController<V1ReplicaSet>.SlowStartBatchAsync(10, () =>
        {
            // Batches of 1, 2, 4: the fourth call (in the batch of 4) fails.
            return Interlocked.Increment(ref calls) == 4 ? throw new ApiException(HttpStatusCode.InternalServerError, null, "boom") : Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(6, result.Succeeded);
        Assert.Equal(3, result.Skipped);
        Assert.NotNull(result.Error);
        Assert.Equal(7, calls);
    }

    [Fact]
    public async Task PodEvents_EnqueueTheOwner_AndCountExpectations()
    {
        var rs = Rs(1);
        await _controller.Sync("ns/rs", CancellationToken.None);
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }

        var created = Assert.Single(_podClient.Objects);
        _pods.Add(created);
        Assert.True(_controller.Expectations.Satisfied("ns/rs"));
        Assert.Equal(1, _controller.Queue.Length);

        // An orphan pod that matches enqueues every selecting owner.
        _ = _controller.Queue.GetAsync(CancellationToken.None);
        _controller.Queue.Done("ns/rs");
        Pod("stray", null);
        Assert.Equal(1, _controller.Queue.Length);
        Assert.Equal("ns/rs", rs.Metadata.NamespaceProperty + "/" + rs.Metadata.Name);
    }

    [Fact]
    public async Task Worker_FailedSync_IsRequeuedWithBackoff_SuccessForgets()
    {
        var attempts = 0;
        _controller.Sync = (_, _) => ++attempts == 1 ? throw new InvalidOperationException("transient") : Task.CompletedTask;
        _controller.Queue.Add("ns/x");

        Assert.True(await Workers.ProcessNextAsync("t", _controller.Queue, _controller.Sync, NullLogger.Instance, CancellationToken.None));
        Assert.Equal(1, _controller.Queue.NumRequeues("ns/x"));
        Assert.Equal(0, _controller.Queue.Length);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, _controller.Queue.Length);

        Assert.True(await Workers.ProcessNextAsync("t", _controller.Queue, _controller.Sync, NullLogger.Instance, CancellationToken.None));
        Assert.Equal(0, _controller.Queue.NumRequeues("ns/x"));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Sync_DeletedOwner_ForgetsExpectations()
    {
        Rs(2);
        await _controller.Sync("ns/rs", CancellationToken.None);
        _sets.Delete(_sets.Indexer.Get("ns/rs")!);
        await _controller.Sync("ns/rs", CancellationToken.None);
        Assert.True(_controller.Expectations.Satisfied("ns/rs"));
        Assert.Equal(2, _podClient.Objects.Count);
    }
}
