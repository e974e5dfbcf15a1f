using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.DaemonSet;
using Skiff.Controllers.History;
using static Skiff.Controllers.Tests.DaemonSet.DaemonPodsTests;

namespace Skiff.Controllers.Tests.DaemonSet;

public sealed class DaemonSetControllerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1DaemonSet> _sets = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeInformer<V1ControllerRevision> _revisions = new();
    private readonly FakeResourceClient<V1DaemonSet> _setClient = new(AppsResources.DaemonSets);
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeResourceClient<V1ControllerRevision> _revisionClient = new(ApiResource.ControllerRevisions);
    private readonly FakeEventRecorder _events = new();
    private readonly DaemonSetController _controller;

    public DaemonSetControllerTests()
    {
        _controller = new DaemonSetController(_sets, _pods, _nodes, _revisions, _setClient, _podClient, _revisionClient, _events, _time, NullLogger.Instance);
    }

    private V1DaemonSet Seed(V1DaemonSet ds)
    {
        _setClient.Seed(ds);
        _sets.Add(ds);
        return ds;
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

        foreach (var ds in _setClient.Objects)
        {
            _sets.Add(ds);
        }
    }

    [Fact]
    public async Task Sync_CreatesOnePodPerEligibleNode_ARevision_AndStatus()
    {
        _nodes.Add(Node("a"));
        _nodes.Add(Node("b"));
        _nodes.Add(Node("tainted", null, new V1Taint { Key = "k", Effect = "NoSchedule" }));
        Seed(Ds());

        await _controller.Sync("ns/agent", CancellationToken.None);

        var revision = Assert.Single(_revisionClient.Objects);
        Assert.Equal(1, revision.Revision);
        var hash = revision.Metadata.Labels[ControllerHistory.RevisionHashLabel];
        Assert.Equal("agent-" + hash, revision.Metadata.Name);
        Assert.Equal(["a", "b"], _podClient.Objects.Select(DaemonPods.TargetNode).Order());
        Assert.All(_podClient.Objects, p => Assert.Equal(hash, p.Metadata.Labels[ControllerHistory.RevisionHashLabel]));
        Assert.Equal(2, _events.Events.Count(e => e.StartsWith("Normal SuccessfulCreate Created pod: agent-", StringComparison.Ordinal)));
        var status = _setClient.Objects.Single().Status;
        Assert.Equal((2, 0, 0), (status.DesiredNumberScheduled, status.CurrentNumberScheduled, status.NumberReady));
    }

    [Fact]
    public async Task Sync_PendingExpectations_DoNotCreateTwice()
    {
        _nodes.Add(Node("a"));
        Seed(Ds());
        await _controller.Sync("ns/agent", CancellationToken.None);
        _revisions.Add(_revisionClient.Objects.Single());

        // The informer has not delivered the new pod yet.
        await _controller.Sync("ns/agent", CancellationToken.None);
        Assert.Single(_podClient.Objects);

        Observe();
        await _controller.Sync("ns/agent", CancellationToken.None);
        Assert.Single(_podClient.Objects);
    }

    [Fact]
    public async Task Sync_TemplateChange_NewRevision_RollsOnePodAtATime()
    {
        _nodes.Add(Node("a"));
        _nodes.Add(Node("b"));
        var ds = Seed(Ds());
        await _controller.Sync("ns/agent", CancellationToken.None);
        Observe();
        foreach (var pod in _podClient.Objects)
        {
            pod.Spec.NodeName = DaemonPods.TargetNode(pod);
            pod.Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = _time.GetUtcNow().UtcDateTime.AddMinutes(-1) }] };
            _podClient.Seed(pod);
        }

        Observe();
        var changed = Objects.Clone(_setClient.Objects.Single());
        changed.Spec.Template.Spec.Containers[0].Image = "img:2";
        changed.Metadata.Generation = 2;
        changed.Metadata.Annotations[DaemonPods.TemplateGenerationAnnotation] = "2";
        _setClient.Seed(changed);
        _sets.Add(changed);

        await _controller.Sync("ns/agent", CancellationToken.None);

        Assert.Equal([1L, 2L], _revisionClient.Objects.Select(r => r.Revision!.Value).Order());
        Assert.Single(_podClient.Objects);
        Assert.Contains(_events.Events, e => e.StartsWith("Normal SuccessfulDelete Deleted pod: agent-", StringComparison.Ordinal));
        Assert.Equal(2, _setClient.Objects.Single().Status.ObservedGeneration);
    }

    [Fact]
    public async Task Sync_AdoptsMatchingOrphan_AndReleasesPodsThatNoLongerMatch()
    {
        _nodes.Add(Node("a"));
        _nodes.Add(Node("b"));
        var ds = Seed(Ds());
        var orphan = _podClient.Seed(DaemonSetPlannerTests.Pod("orphan", "a"));
        orphan.Metadata.OwnerReferences = null;
        _pods.Add(orphan);
        var strayed = DaemonSetPlannerTests.Pod("strayed", "b");
        strayed.Metadata.Labels["app"] = "other";
        strayed.Metadata.OwnerReferences = [Objects.ControllerRef(ds, "apps/v1", "DaemonSet")];
        _pods.Add(_podClient.Seed(strayed));

        await _controller.Sync("ns/agent", CancellationToken.None);

        var adopted = _podClient.Objects.Single(p => p.Metadata.Name == "orphan");
        Assert.Equal("ds-uid", Objects.ControllerOf(adopted.Metadata)?.Uid);
        Assert.Null(Objects.ControllerOf(_podClient.Objects.Single(p => p.Metadata.Name == "strayed").Metadata));

        // Node b's pod was released, so b gets a new one; a keeps the adopted pod.
        Assert.Equal(["a", "b"], _podClient.Objects.Where(p => p.Metadata.Name != "strayed").Select(DaemonPods.TargetNode).Order());
    }

    [Fact]
    public async Task Sync_RevisionHistoryLimit_RemovesUnusedOldRevisions()
    {
        var ds = Ds();
        ds.Spec.RevisionHistoryLimit = 1;
        Seed(ds);
        for (var i = 1; i <= 3; i++)
        {
            var template = Objects.Clone(ds.Spec.Template);
            template.Spec.Containers[0].Image = "old:" + i;
            var r = ControllerHistory.NewRevision(ds, "apps/v1", "DaemonSet", template.Metadata.Labels, ControllerHistory.TemplatePatch(template), i);
            r.Metadata.Name = "agent-old" + i;
            r.Metadata.Labels[ControllerHistory.RevisionHashLabel] = "old" + i;
            _revisions.Add(_revisionClient.Seed(r));
        }

        await _controller.Sync("ns/agent", CancellationToken.None);

        Assert.Equal(["agent-old3"], _revisionClient.Objects.Where(r => r.Metadata.Name.StartsWith("agent-old", StringComparison.Ordinal)).Select(r => r.Metadata.Name));
        Assert.Equal(4, _revisionClient.Objects.Single(r => !r.Metadata.Name.StartsWith("agent-old", StringComparison.Ordinal)).Revision);
    }

    [Fact]
    public async Task Sync_RollbackToAnOldTemplate_RenumbersThatRevision()
    {
        var ds = Seed(Ds());
        var r1 = ControllerHistory.NewRevision(ds, "apps/v1", "DaemonSet", ds.Spec.Template.Metadata.Labels, ControllerHistory.TemplatePatch(ds.Spec.Template), 1);
        r1.Metadata.Name = "agent-one";
        _revisions.Add(_revisionClient.Seed(r1));
        var other = Objects.Clone(ds.Spec.Template);
        other.Spec.Containers[0].Image = "img:2";
        var r2 = ControllerHistory.NewRevision(ds, "apps/v1", "DaemonSet", other.Metadata.Labels, ControllerHistory.TemplatePatch(other), 2);
        r2.Metadata.Name = "agent-two";
        _revisions.Add(_revisionClient.Seed(r2));

        await _controller.Sync("ns/agent", CancellationToken.None);

        Assert.Equal(3, _revisionClient.Objects.Single(r => r.Metadata.Name == "agent-one").Revision);
        Assert.Equal(2, _revisionClient.Objects.Count);
    }

    [Fact]
    public async Task FailedPod_IsDeletedWithAWarning_ThenTheNodeBacksOff()
    {
        _nodes.Add(Node("a"));
        Seed(Ds());
        await _controller.Sync("ns/agent", CancellationToken.None);
        Observe();

        async Task FailThePodAsync()
        {
            var pod = _podClient.Objects.Single();
            pod.Spec.NodeName = "a";
            pod.Status = new V1PodStatus { Phase = "Failed" };
            _podClient.Seed(pod);
            Observe();
            await _controller.Sync("ns/agent", CancellationToken.None);
            Observe();
        }

        await FailThePodAsync();
        Assert.Empty(_podClient.Objects);
        Assert.Single(_events.Events, e => e.StartsWith("Warning FailedDaemonPod Found failed daemon pod ns/agent-", StringComparison.Ordinal) && e.EndsWith("on node a, will try to kill it", StringComparison.Ordinal));

        // Recreated, failed again at once: the second delete waits out the backoff (1 s, then 2 s).
        await _controller.Sync("ns/agent", CancellationToken.None);
        Observe();
        Assert.Single(_podClient.Objects);
        await FailThePodAsync();
        Assert.Single(_podClient.Objects);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _controller.Sync("ns/agent", CancellationToken.None);
        Assert.Empty(_podClient.Objects);
        Assert.Equal(TimeSpan.FromSeconds(2), _controller.Backoff.Remaining(FailedPodBackoff.Key("ns/agent", "a")));
    }

    [Fact]
    public void FailedPodBackoff_DoublesToTheMaximum_AndForgetsAfterAQuietPeriod()
    {
        var backoff = new FailedPodBackoff(_time);
        Assert.Equal(TimeSpan.Zero, backoff.Remaining("k"));
        backoff.Next("k");
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Remaining("k"));
        for (var i = 0; i < 20; i++)
        {
            backoff.Next("k");
        }

        Assert.Equal(FailedPodBackoff.Max, backoff.Remaining("k"));
        _time.Advance(FailedPodBackoff.Max * 2 + TimeSpan.FromSeconds(1));
        backoff.Next("k");
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Remaining("k"));
        _time.Advance(FailedPodBackoff.Max * 3);
        backoff.Gc();
        Assert.Equal(TimeSpan.Zero, backoff.Remaining("k"));
    }

    [Fact]
    public async Task NodeChanges_EnqueueDaemonSets()
    {
        _controller.Sync = (_, _) => Task.CompletedTask;
        Seed(Ds());
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }

        _nodes.Add(Node("a"));
        Assert.Equal(1, _controller.Queue.Length);
    }
}
