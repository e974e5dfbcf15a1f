using k8s.Models;
using Skiff.ApiServer.Authorization;

namespace Skiff.ApiServer.Tests.Authorization;

public sealed class RuleCoverageTests
{
    private static V1PolicyRule R(string[] verbs, string[] groups, string[] resources, string[]? names = null) =>
        new() { Verbs = verbs, ApiGroups = groups, Resources = resources, ResourceNames = names };

    [Fact]
    public void Uncovered_ExactAndWildcardOwners()
    {
        var owner = new[] { R(["get", "list"], [""], ["pods"]), R(["*"], ["apps"], ["deployments"]), R(["get"], [""], ["pods/*"]) };
        Assert.Empty(RuleCoverage.Uncovered(owner, [R(["get"], [""], ["pods", "pods/log"]), R(["delete", "create"], ["apps"], ["deployments"])]));

        var missing = RuleCoverage.Uncovered(owner, [R(["get", "delete", "watch"], [""], ["pods"]), R(["get"], ["apps"], ["replicasets"])]);
        Assert.Equal(["{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\" \"watch\"]}", "{APIGroups:[\"apps\"], Resources:[\"replicasets\"], Verbs:[\"get\"]}"],
            missing.Select(RuleCoverage.CompactString));
    }

    [Fact]
    public void Uncovered_WildcardsOnlyCountForTheOwner()
    {
        var owner = new[] { R(["get"], [""], ["pods"]) };
        Assert.Equal(["{APIGroups:[\"\"], Resources:[\"*\"], Verbs:[\"get\"]}"], RuleCoverage.Uncovered(owner, [R(["get"], [""], ["*"])]).Select(RuleCoverage.CompactString));
    }

    [Fact]
    public void Uncovered_ResourceNamesAndUrls()
    {
        var owner = new[] { R(["get"], [""], ["secrets"], ["a"]), new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz/*"] } };
        Assert.Empty(RuleCoverage.Uncovered(owner, [R(["get"], [""], ["secrets"], ["a"]), new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz/etcd"] }]));
        Assert.Equal(["{APIGroups:[\"\"], Resources:[\"secrets\"], ResourceNames:[\"b\"], Verbs:[\"get\"]}"],
            RuleCoverage.Uncovered(owner, [R(["get"], [""], ["secrets"], ["a", "b"])]).Select(RuleCoverage.CompactString));

        // A name-restricted owner rule does not cover the whole collection.
        Assert.Single(RuleCoverage.Uncovered(owner, [R(["get"], [""], ["secrets"])]));
        Assert.Equal(["{NonResourceURLs:[\"/metrics\"], Verbs:[\"get\"]}"],
            RuleCoverage.Uncovered(owner, [new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/metrics"] }]).Select(RuleCoverage.CompactString));
    }
}
