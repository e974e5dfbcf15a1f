using System.Net;
using k8s;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.History;

namespace Skiff.Controllers.Tests.History;

public sealed class ControllerHistoryTests
{
    private static readonly V1DaemonSet Owner = new() { Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "ns", Uid = "uid-1" } };

    private static V1PodTemplateSpec Template(string image) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "a" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
    };

    private static V1ControllerRevision Revision(string image, long number, string? name = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name ?? "r" + number, NamespaceProperty = "ns", CreationTimestamp = DateTime.UtcNow },
            Data = ControllerHistory.TemplatePatch(Template(image)),
            Revision = number,
        };

    [Fact]
    public void Hash_IsStable_SafeAlphabet_AndChangesWithCollisionCount()
    {
        var a = ControllerHistory.Hash("{\"x\":1}", null);
        Assert.Equal(a, ControllerHistory.Hash("{\"x\":1}", null));
        Assert.NotEqual(a, ControllerHistory.Hash("{\"x\":1}", 1));
        Assert.NotEqual(a, ControllerHistory.Hash("{\"x\":2}", null));
        Assert.All(a, c => Assert.Contains(c, "bcdfghjklmnpqrstvwxz2456789"));
    }

    [Fact]
    public void TemplatePatch_ReplacesTheWholeTemplate_AndTemplateOfRestoresIt()
    {
        var patch = ControllerHistory.TemplatePatch(Template("nginx:1"));
        Assert.Equal("replace", patch.GetProperty("spec").GetProperty("template").GetProperty("$patch").GetString());
        var restored = ControllerHistory.TemplateOf(new V1ControllerRevision { Data = patch });
        Assert.Equal("nginx:1", restored.Spec.Containers[0].Image);
        Assert.Equal("a", restored.Metadata.Labels["app"]);
    }

    [Fact]
    public void RevisionName_CutsLongOwnerNames()
    {
        Assert.Equal("web-abc", ControllerHistory.RevisionName("web", "abc"));
        Assert.Equal(223 + 4, ControllerHistory.RevisionName(new string('x', 300), "abc").Length);
    }

    [Fact]
    public void SortedAndNextRevision_OrderByNumberThenAge()
    {
        var revisions = new[] { Revision("c", 3), Revision("a", 1), Revision("b", 2) };
        Assert.Equal([1L, 2L, 3L], ControllerHistory.Sorted(revisions).Select(r => r.Revision!.Value));
        Assert.Equal(4, ControllerHistory.NextRevision(revisions));
        Assert.Equal(1, ControllerHistory.NextRevision([]));
    }

    [Fact]
    public void FindEqual_MatchesOnData()
    {
        var revisions = new[] { Revision("a", 1), Revision("b", 2) };
        var found = ControllerHistory.FindEqual(revisions, Revision("b", 0, "needle"));
        Assert.Equal("r2", Assert.Single(found).Metadata.Name);
    }

    [Fact]
    public async Task CreateAsync_NamesByHash_SetsLabel_OwnedByParent()
    {
        var client = new FakeResourceClient<V1ControllerRevision>(ApiResource.ControllerRevisions);
        var revision = ControllerHistory.NewRevision(Owner, "apps/v1", "DaemonSet", new Dictionary<string, string> { ["app"] = "a" }, ControllerHistory.TemplatePatch(Template("a")), 1);
        var (created, collisions) = await ControllerHistory.CreateAsync(client, "agent", revision, c => "h" + c, null, CancellationToken.None);

        Assert.Null(collisions);
        Assert.Equal("agent-h", created.Metadata.Name);
        Assert.Equal("h", created.Metadata.Labels[ControllerHistory.RevisionHashLabel]);
        Assert.Equal("a", created.Metadata.Labels["app"]);
        Assert.Equal(("DaemonSet", "uid-1", true), (created.Metadata.OwnerReferences[0].Kind, created.Metadata.OwnerReferences[0].Uid, created.Metadata.OwnerReferences[0].Controller!.Value));
    }

    [Fact]
    public void NewRevision_CopiesTheOwnersAnnotations()
    {
        var owner = new V1StatefulSet { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "u", Annotations = new Dictionary<string, string> { ["kubernetes.io/change-cause"] = "image bump" } } };
        var revision = ControllerHistory.NewRevision(owner, "apps/v1", "StatefulSet", null, ControllerHistory.TemplatePatch(Template("a")), 1);
        Assert.Equal("image bump", revision.Metadata.Annotations["kubernetes.io/change-cause"]);
        Assert.Equal("ns", revision.Metadata.NamespaceProperty);
    }

    [Fact]
    public async Task CreateAsync_SameNameSameData_ReturnsExisting()
    {
        var client = new FakeResourceClient<V1ControllerRevision>(ApiResource.ControllerRevisions);
        var existing = client.Seed(Revision("a", 1, "agent-h"));
        var revision = ControllerHistory.NewRevision(Owner, "apps/v1", "DaemonSet", null, ControllerHistory.TemplatePatch(Template("a")), 2);
        var (created, collisions) = await ControllerHistory.CreateAsync(client, "agent", revision, c => "h" + c, null, CancellationToken.None);

        Assert.Equal(existing.Metadata.Uid, created.Metadata.Uid);
        Assert.Null(collisions);
        Assert.Single(client.Objects);
    }

    [Fact]
    public async Task CreateAsync_SameNameOtherData_IsACollision_CountGoesUpAndNameChanges()
    {
        var client = new FakeResourceClient<V1ControllerRevision>(ApiResource.ControllerRevisions);
        client.Seed(Revision("other", 1, "agent-h"));
        var revision = ControllerHistory.NewRevision(Owner, "apps/v1", "DaemonSet", null, ControllerHistory.TemplatePatch(Template("a")), 2);
        var (created, collisions) = await ControllerHistory.CreateAsync(client, "agent", revision, c => "h" + c, null, CancellationToken.None);

        Assert.Equal(1, collisions);
        Assert.Equal("agent-h1", created.Metadata.Name);
        Assert.Equal(2, client.Objects.Count);
    }

    [Fact]
    public async Task TruncateAsync_DeletesOldestFirst_SkippingLiveOnes()
    {
        var client = new FakeResourceClient<V1ControllerRevision>(ApiResource.ControllerRevisions);
        var revisions = Enumerable.Range(1, 4).Select(i => client.Seed(Revision("i" + i, i))).ToList();
        await ControllerHistory.TruncateAsync(client, revisions, r => r.Revision == 1, 2, CancellationToken.None);

        Assert.Equal(["r1", "r4"], client.Objects.Select(r => r.Metadata.Name).Order());
    }

    [Fact]
    public async Task UpdateRevisionNumberAsync_PatchesOnlyWhenDifferent()
    {
        var client = new FakeResourceClient<V1ControllerRevision>(ApiResource.ControllerRevisions);
        var revision = client.Seed(Revision("a", 1));
        Assert.Same(revision, await ControllerHistory.UpdateRevisionNumberAsync(client, revision, 1, CancellationToken.None));
        var updated = await ControllerHistory.UpdateRevisionNumberAsync(client, revision, 5, CancellationToken.None);
        Assert.Equal(5, updated.Revision);
        Assert.Equal(["patch ns/r1"], client.Calls);
    }
}
