using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.History;
using Skiff.Controllers.StatefulSet;

namespace Skiff.Controllers.Tests.StatefulSet;

public sealed class StatefulSetControllerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1StatefulSet> _sets = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1ControllerRevision> _revisions = new();
    private readonly FakeInformer<V1PersistentVolumeClaim> _claims = new();
    private readonly FakeResourceClient<V1StatefulSet> _setClient = new(AppsResources.StatefulSets);
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeResourceClient<V1ControllerRevision> _revisionClient = new(ApiResource.ControllerRevisions);
    private readonly FakeResourceClient<V1PersistentVolumeClaim> _claimClient = new(AppsResources.PersistentVolumeClaims);
    private readonly FakeEventRecorder _events = new();
    private readonly StatefulSetController _controller;

    public StatefulSetControllerTests()
    {
        _controller = new StatefulSetController(_sets, _pods, _revisions, _claims, _setClient, _podClient, _revisionClient, _claimClient, _events, _time, NullLogger.Instance);
    }

    internal static V1StatefulSet Set(int replicas, string policy = "OrderedReady", int? partition = 0, string image = "img:1") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Generation = 1 },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = "web-svc",
            PodManagementPolicy = policy,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            UpdateStrategy = partition is null
                ? new V1StatefulSetUpdateStrategy { Type = "OnDelete" }
                : new V1StatefulSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = partition } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
            },
            VolumeClaimTemplates = [new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "www", Labels = new Dictionary<string, string> { ["tier"] = "data" } }, Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"] } }],
            PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" },
            RevisionHistoryLimit = 10,
        },
    };

    private V1StatefulSet Seed(V1StatefulSet set)
    {
        _setClient.Seed(set);
        _sets.Add(set);
        return set;
    }

    /// <summary>Delivers what the fake API now holds to the informers, as watches would.</summary>
    private void Observe()
    {
        foreach (var pod in _podClient.Objects)
        {
            _pods.Add(pod);
        }

        foreach (var stale in _pods.Indexer.List().Where(p => _podClient.Objects.All(o => o.Metadata.Uid != p.Metadata.Uid)))
        {
            _pods.Delete(stale);
        }

        foreach (var r in _revisionClient.Objects)
        {
            _revisions.Add(r);
        }

        foreach (var stale in _revisions.Indexer.List().Where(p => _revisionClient.Objects.All(o => o.Metadata.Uid != p.Metadata.Uid)))
        {
            _revisions.Delete(stale);
        }

        foreach (var c in _claimClient.Objects)
        {
            _claims.Add(c);
        }

        foreach (var s in _setClient.Objects)
        {
            _sets.Add(s);
        }
    }

    private void MakeReady(string name)
    {
        var pod = _podClient.Objects.Single(p => p.Metadata.Name == name);
        pod.Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = _time.GetUtcNow().UtcDateTime.AddMinutes(-1) }] };
        _podClient.Seed(pod);
    }

    private async Task SyncAsync()
    {
        await _controller.Sync("ns/web", CancellationToken.None);
        Observe();
    }

    /// <summary>Syncs, making every pod ready, until nothing changes.</summary>
    private async Task ConvergeAsync()
    {
        for (var i = 0; i < 20; i++)
        {
            var before = _podClient.Calls.Count;
            await SyncAsync();
            var pending = _podClient.Objects.Where(p => p.Status?.Phase != "Running").ToList();
            foreach (var pod in pending)
            {
                MakeReady(pod.Metadata.Name);
            }

            Observe();
            if (_podClient.Calls.Count == before && pending.Count == 0)
            {
                return;
            }
        }
    }

    private void Update(Action<V1StatefulSet> change)
    {
        var set = Objects.Clone(_setClient.Objects.Single());
        change(set);
        set.Metadata.Generation++;
        _setClient.Seed(set);
        _sets.Add(set);
    }

    private List<string> PodNames() => _podClient.Objects.Select(p => p.Metadata.Name).Order().ToList();

    private string ImageOf(string pod) => _podClient.Objects.Single(p => p.Metadata.Name == pod).Spec.Containers[0].Image;

    [Fact]
    public async Task OrderedReady_CreatesClaimThenFirstPodOnly()
    {
        Seed(Set(3));
        await SyncAsync();

        Assert.Equal(["web-0"], PodNames());
        Assert.Equal(["www-web-0"], _claimClient.Objects.Select(c => c.Metadata.Name));
        Assert.Contains("Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful", _events.Events);
        Assert.Contains("Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success", _events.Events);
        var status = _setClient.Objects.Single().Status;
        Assert.Equal(1, status.Replicas);
        Assert.Equal(status.UpdateRevision, status.CurrentRevision);
        Assert.StartsWith("web-", status.UpdateRevision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrderedReady_NextOrdinalWaitsForRunningAndReady()
    {
        Seed(Set(3));
        await SyncAsync();
        await SyncAsync();
        Assert.Equal(["web-0"], PodNames());

        MakeReady("web-0");
        Observe();
        await SyncAsync();
        Assert.Equal(["web-0", "web-1"], PodNames());
    }

    [Fact]
    public async Task OrderedReady_HaltsOnAnUnhealthyPod()
    {
        Seed(Set(3));
        await ConvergeAsync();
        var web1 = _podClient.Objects.Single(p => p.Metadata.Name == "web-1");
        web1.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "False" }];
        _podClient.Seed(web1);
        await _podClient.DeleteAsync("ns", "web-2", null, CancellationToken.None);
        Observe();

        await SyncAsync();
        Assert.Equal(["web-0", "web-1"], PodNames());
    }

    [Fact]
    public async Task Parallel_CreatesEveryOrdinalAtOnce()
    {
        Seed(Set(3, "Parallel"));
        await SyncAsync();
        Assert.Equal(["web-0", "web-1", "web-2"], PodNames());
        Assert.Equal(3, _claimClient.Objects.Count);
    }

    [Fact]
    public async Task StartOrdinal_NumbersPodsFromIt()
    {
        var set = Set(2, "Parallel");
        set.Spec.Ordinals = new V1StatefulSetOrdinals { Start = 5 };
        Seed(set);
        await SyncAsync();
        Assert.Equal(["web-5", "web-6"], PodNames());
        Assert.Equal("5", _podClient.Objects.Single(p => p.Metadata.Name == "web-5").Metadata.Labels[StatefulPods.PodIndexLabel]);
    }

    [Fact]
    public async Task ClaimCannotBeCreated_PodIsNotCreated()
    {
        Seed(Set(1));
        _claimClient.FailCreate = _ => new ApiException(HttpStatusCode.Forbidden, new V1Status { Reason = "Forbidden", Code = 403 }, "exceeded quota");
        await Assert.ThrowsAsync<ApiException>(() => _controller.Sync("ns/web", CancellationToken.None));
        Assert.Empty(_podClient.Objects);
        Assert.Contains(_events.Events, e => e.StartsWith("Warning FailedCreate create Claim www-web-0 for Pod web-0 in StatefulSet web failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScaleDown_OrderedReady_DeletesHighestOrdinalFirst_OneAtATime_KeepsClaims()
    {
        Seed(Set(3));
        await ConvergeAsync();
        Update(s => s.Spec.Replicas = 1);

        await SyncAsync();
        Assert.Equal(["web-0", "web-1"], PodNames());
        Assert.Contains("Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful", _events.Events);
        await SyncAsync();
        Assert.Equal(["web-0"], PodNames());
        Assert.Equal(3, _claimClient.Objects.Count);
    }

    [Fact]
    public async Task ScaleDown_WaitsForATerminatingPod()
    {
        Seed(Set(3));
        await ConvergeAsync();
        var web2 = _podClient.Objects.Single(p => p.Metadata.Name == "web-2");
        web2.Metadata.DeletionTimestamp = _time.GetUtcNow().UtcDateTime;
        _podClient.Seed(web2);
        Observe();
        Update(s => s.Spec.Replicas = 1);

        await SyncAsync();
        Assert.Equal(["web-0", "web-1", "web-2"], PodNames());
    }

    [Fact]
    public async Task FailedPod_IsDeletedForRecreation()
    {
        Seed(Set(1));
        await ConvergeAsync();
        var web0 = _podClient.Objects.Single();
        web0.Status.Phase = "Failed";
        _podClient.Seed(web0);
        Observe();

        await SyncAsync();
        Assert.Empty(_podClient.Objects);
        await SyncAsync();
        Assert.Equal(["web-0"], PodNames());
    }

    [Fact]
    public async Task RollingUpdate_WithPartition_ReplacesOnlyOrdinalsAtOrAboveIt_HighestFirst()
    {
        Seed(Set(3, partition: 1));
        await ConvergeAsync();
        var oldRevision = _setClient.Objects.Single().Status.CurrentRevision;
        Update(s => s.Spec.Template.Spec.Containers[0].Image = "img:2");

        await SyncAsync();
        Assert.Equal(["web-0", "web-1"], PodNames());
        await ConvergeAsync();

        Assert.Equal(("img:1", "img:2", "img:2"), (ImageOf("web-0"), ImageOf("web-1"), ImageOf("web-2")));
        var status = _setClient.Objects.Single().Status;
        Assert.Equal(oldRevision, status.CurrentRevision);
        Assert.NotEqual(oldRevision, status.UpdateRevision);
        Assert.Equal((2, 1), (status.UpdatedReplicas, status.CurrentReplicas));
        Assert.Equal(2, _revisionClient.Objects.Count);

        // A pod below the partition that is deleted comes back at the current revision.
        await _podClient.DeleteAsync("ns", "web-0", null, CancellationToken.None);
        Observe();
        await SyncAsync();
        Assert.Equal("img:1", ImageOf("web-0"));
        Assert.Equal(oldRevision, _podClient.Objects.Single(p => p.Metadata.Name == "web-0").Metadata.Labels[ControllerHistory.RevisionHashLabel]);

        // Partition 0 finishes the rollout and the update revision becomes current.
        Update(s => s.Spec.UpdateStrategy.RollingUpdate.Partition = 0);
        await ConvergeAsync();
        status = _setClient.Objects.Single().Status;
        Assert.Equal("img:2", ImageOf("web-0"));
        Assert.Equal(status.UpdateRevision, status.CurrentRevision);
        Assert.Equal(3, status.CurrentReplicas);
    }

    [Fact]
    public async Task OnDelete_LeavesPodsUntilDeleted_ThenRecreatesAtTheUpdateRevision()
    {
        Seed(Set(2, partition: null));
        await ConvergeAsync();
        Update(s => s.Spec.Template.Spec.Containers[0].Image = "img:2");
        await ConvergeAsync();
        Assert.Equal(("img:1", "img:1"), (ImageOf("web-0"), ImageOf("web-1")));

        await _podClient.DeleteAsync("ns", "web-1", null, CancellationToken.None);
        Observe();
        await ConvergeAsync();
        Assert.Equal(("img:1", "img:2"), (ImageOf("web-0"), ImageOf("web-1")));
    }

    [Fact]
    public async Task Rollback_ReusesTheOldRevision_WithANewNumber()
    {
        Seed(Set(1));
        await ConvergeAsync();
        Update(s => s.Spec.Template.Spec.Containers[0].Image = "img:2");
        await ConvergeAsync();
        Update(s => s.Spec.Template.Spec.Containers[0].Image = "img:1");
        await ConvergeAsync();

        Assert.Equal(2, _revisionClient.Objects.Count);
        var status = _setClient.Objects.Single().Status;
        var current = _revisionClient.Objects.Single(r => r.Metadata.Name == status.UpdateRevision);
        Assert.Equal(3, current.Revision);
        Assert.Equal("img:1", ControllerHistory.TemplateOf(current).Spec.Containers[0].Image);
        Assert.Equal("img:1", ImageOf("web-0"));
    }

    [Fact]
    public async Task RetentionWhenDeletedDelete_ClaimsOwnedByTheSet()
    {
        var set = Set(1);
        set.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = "Delete";
        Seed(set);
        await SyncAsync();
        var owner = Assert.Single(_claimClient.Objects.Single().Metadata.OwnerReferences);
        Assert.Equal(("StatefulSet", "web", set.Metadata.Uid), (owner.Kind, owner.Name, owner.Uid));
    }

    [Fact]
    public async Task RetentionDefault_ClaimsHaveNoOwner()
    {
        Seed(Set(1));
        await SyncAsync();
        Assert.Null(_claimClient.Objects.Single().Metadata.OwnerReferences);
        Assert.Equal("data", _claimClient.Objects.Single().Metadata.Labels["tier"]);
        Assert.Equal("web", _claimClient.Objects.Single().Metadata.Labels["app"]);
    }

    [Fact]
    public async Task RetentionWhenScaledDelete_CondemnedPodsClaimGetsThePodAsOwner()
    {
        var set = Set(2);
        set.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Delete";
        Seed(set);
        await ConvergeAsync();
        var web1 = _podClient.Objects.Single(p => p.Metadata.Name == "web-1");
        Update(s => s.Spec.Replicas = 1);

        await SyncAsync();

        var claim = _claimClient.Objects.Single(c => c.Metadata.Name == "www-web-1");
        var owner = Assert.Single(claim.Metadata.OwnerReferences);
        Assert.Equal(("Pod", "web-1", web1.Metadata.Uid), (owner.Kind, owner.Name, owner.Uid));
        Assert.Null(_claimClient.Objects.Single(c => c.Metadata.Name == "www-web-0").Metadata.OwnerReferences);
    }

    [Fact]
    public async Task AdoptsAnOrphanWithAMemberName_IgnoresOtherNames()
    {
        Seed(Set(1));
        var orphan = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec(),
        };
        var stranger = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "other-0", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec(),
        };
        _pods.Add(_podClient.Seed(orphan));
        _pods.Add(_podClient.Seed(stranger));

        await SyncAsync();

        Assert.Equal("StatefulSet", Objects.ControllerOf(_podClient.Objects.Single(p => p.Metadata.Name == "web-0").Metadata)?.Kind);
        Assert.Null(Objects.ControllerOf(_podClient.Objects.Single(p => p.Metadata.Name == "other-0").Metadata));
    }

    [Fact]
    public async Task RemovedIdentityLabel_IsPutBack()
    {
        Seed(Set(1));
        await ConvergeAsync();
        var pod = _podClient.Objects.Single();
        pod.Metadata.Labels.Remove(StatefulPods.PodNameLabel);
        _podClient.Seed(pod);
        Observe();

        await SyncAsync();

        Assert.Equal("web-0", _podClient.Objects.Single().Metadata.Labels[StatefulPods.PodNameLabel]);
        Assert.Contains("Normal SuccessfulUpdate update Pod web-0 in StatefulSet web successful", _events.Events);
    }

    [Fact]
    public async Task PodEvents_EnqueueTheOwningSet_OrASetWhoseNameAndSelectorAnOrphanMatches()
    {
        _controller.Sync = (_, _) => Task.CompletedTask;
        var set = Seed(Set(1));
        await DrainAsync();

        var owned = new V1Pod { Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "ns", Uid = "p1", ResourceVersion = "1", OwnerReferences = [Objects.ControllerRef(set, "apps/v1", "StatefulSet")] } };
        _pods.Add(owned);
        Assert.Equal(1, _controller.Queue.Length);
        await DrainAsync();

        _pods.Add(new V1Pod { Metadata = new V1ObjectMeta { Name = "web-3", NamespaceProperty = "ns", Uid = "p2", Labels = new Dictionary<string, string> { ["app"] = "web" } } });
        Assert.Equal(1, _controller.Queue.Length);
        await DrainAsync();

        _pods.Add(new V1Pod { Metadata = new V1ObjectMeta { Name = "api-0", NamespaceProperty = "ns", Uid = "p3", Labels = new Dictionary<string, string> { ["app"] = "web" } } });
        Assert.Equal(0, _controller.Queue.Length);
    }

    private async Task DrainAsync()
    {
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }
    }

    [Fact]
    public async Task HistoryLimit_TruncatesUnusedRevisions()
    {
        var set = Set(1);
        set.Spec.RevisionHistoryLimit = 1;
        Seed(set);
        await ConvergeAsync();
        for (var i = 2; i <= 4; i++)
        {
            var image = "img:" + i;
            Update(s => s.Spec.Template.Spec.Containers[0].Image = image);
            await ConvergeAsync();
        }

        // The live revision plus one more.
        Assert.Equal(2, _revisionClient.Objects.Count);
    }
}
