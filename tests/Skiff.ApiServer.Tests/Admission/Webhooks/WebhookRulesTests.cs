using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Admission.Webhooks;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

namespace Skiff.ApiServer.Tests.Admission.Webhooks;

public sealed class WebhookRulesTests
{
    private static ResourceInfo R<T>() => BuiltInResources.Resources.First(r => r.Type == typeof(T));

    private static V1RuleWithOperations Rule(string resource, string op = "*", string group = "*", string version = "*", string scope = "*") =>
        new() { Operations = [op], ApiGroups = [group], ApiVersions = [version], Resources = [resource], Scope = scope };

    [Theory]
    [InlineData("pods", null, true)]
    [InlineData("pods", "status", false)]
    [InlineData("pods/status", "status", true)]
    [InlineData("pods/status", null, false)]
    [InlineData("pods/*", "status", true)]
    [InlineData("pods/*", null, false)]
    [InlineData("*", null, true)]
    [InlineData("*", "status", false)]
    [InlineData("*/status", "status", true)]
    [InlineData("*/status", "binding", false)]
    [InlineData("*/*", "binding", true)]
    [InlineData("*/*", null, true)]
    [InlineData("configmaps", null, false)]
    public void RuleMatches_ResourcesAndSubresources(string resource, string? sub, bool expected) =>
        Assert.Equal(expected, WebhookRules.RuleMatches(Rule(resource), AdmissionOperation.Create, R<V1Pod>(), sub));

    [Fact]
    public void RuleMatches_OperationsGroupsVersionsAndScope()
    {
        var pods = R<V1Pod>();
        Assert.True(WebhookRules.RuleMatches(Rule("pods", "CREATE"), AdmissionOperation.Create, pods, null));
        Assert.False(WebhookRules.RuleMatches(Rule("pods", "UPDATE"), AdmissionOperation.Create, pods, null));
        Assert.True(WebhookRules.RuleMatches(Rule("pods", group: "", version: "v1"), AdmissionOperation.Delete, pods, null));
        Assert.False(WebhookRules.RuleMatches(Rule("pods", group: "apps"), AdmissionOperation.Create, pods, null));
        Assert.False(WebhookRules.RuleMatches(Rule("pods", version: "v2"), AdmissionOperation.Create, pods, null));
        Assert.True(WebhookRules.RuleMatches(Rule("*", scope: "Namespaced"), AdmissionOperation.Create, pods, null));
        Assert.False(WebhookRules.RuleMatches(Rule("*", scope: "Cluster"), AdmissionOperation.Create, pods, null));
        Assert.True(WebhookRules.RuleMatches(Rule("*", scope: "Cluster"), AdmissionOperation.Create, R<V1Namespace>(), null));
    }

    private static Webhook Hook(string matchPolicy, params V1RuleWithOperations[] rules) =>
        new("h.example.com", null, rules, "Fail", matchPolicy, new V1LabelSelector(), new V1LabelSelector(), "None", 10, ["v1"], null, null);

    private static AdmissionAttributes Create(ResourceInfo info, object? obj, string? ns = "default") =>
        new() { Operation = AdmissionOperation.Create, Resource = info, Name = "x", Namespace = ns, Object = obj };

    [Fact]
    public void MatchPolicy_Equivalent_MatchesTheOtherServedVersion_ExactDoesNot()
    {
        var v2 = R<V2HorizontalPodAutoscaler>();
        var rule = Rule("horizontalpodautoscalers", group: "autoscaling", version: "v1");
        Assert.True(WebhookRules.MatchesRules(Hook("Equivalent", rule), Create(v2, new V2HorizontalPodAutoscaler())));
        Assert.False(WebhookRules.MatchesRules(Hook("Exact", rule), Create(v2, new V2HorizontalPodAutoscaler())));
    }

    [Fact]
    public void ObjectSelector_MatchesNewOrOldLabels()
    {
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["hook"] = "yes" } };
        V1ConfigMap Cm(string? v) => new() { Metadata = new V1ObjectMeta { Name = "x", Labels = v is null ? null : new Dictionary<string, string> { ["hook"] = v } } };
        var cms = R<V1ConfigMap>();
        Assert.True(WebhookRules.MatchesObject(selector, Create(cms, Cm("yes"))));
        Assert.False(WebhookRules.MatchesObject(selector, Create(cms, Cm("no"))));
        Assert.False(WebhookRules.MatchesObject(selector, Create(cms, Cm(null))));
        Assert.True(WebhookRules.MatchesObject(selector, new AdmissionAttributes { Operation = AdmissionOperation.Update, Resource = cms, Name = "x", Object = Cm(null), OldObject = Cm("yes") }));
        Assert.True(WebhookRules.MatchesObject(new V1LabelSelector(), Create(cms, Cm(null))));
    }

    [Fact]
    public void NamespaceSelector_UsesTheNamespacesLabels_NamespacesTheirOwn_ClusterScopedAlwaysMatch()
    {
        var selector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["prod"] }] };
        var labels = new Dictionary<string, IDictionary<string, string>> { ["prod-ns"] = new Dictionary<string, string> { ["env"] = "prod" } };
        IDictionary<string, string>? Lookup(string ns) => labels.GetValueOrDefault(ns);

        Assert.True(WebhookRules.MatchesNamespace(selector, Create(R<V1ConfigMap>(), new V1ConfigMap(), "prod-ns"), Lookup));
        Assert.False(WebhookRules.MatchesNamespace(selector, Create(R<V1ConfigMap>(), new V1ConfigMap(), "dev-ns"), Lookup));
        Assert.True(WebhookRules.MatchesNamespace(selector, Create(R<V1Namespace>(), new V1Namespace { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["env"] = "prod" } } }, null), Lookup));
        Assert.False(WebhookRules.MatchesNamespace(selector, Create(R<V1Namespace>(), new V1Namespace { Metadata = new V1ObjectMeta() }, null), Lookup));
        Assert.True(WebhookRules.MatchesNamespace(selector, Create(R<V1Node>(), new V1Node(), null), Lookup));
    }

    [Fact]
    public void Denied_UsesKubernetesMessageAndAtLeast400()
    {
        var e = AdmissionReview.Denied("deny.example.com", new AdmissionResponse(false, null, "no thanks", null, null, null, []));
        Assert.Equal(400, e.Code);
        Assert.Equal("admission webhook \"deny.example.com\" denied the request: no thanks", e.Message);
        Assert.Equal(403, AdmissionReview.Denied("d.e.f", new AdmissionResponse(false, 403, "", "Forbidden", null, null, [])).Code);
        Assert.Equal("admission webhook \"d.e.f\" denied the request without explanation", AdmissionReview.Denied("d.e.f", new AdmissionResponse(false, 200, null, null, null, null, [])).Message);
    }

    [Fact]
    public void Parse_ChecksVersionUidAndPatchFromValidating()
    {
        var ok = System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u1","allowed":true,"warnings":["careful"]}}""")!;
        Assert.Equal(["careful"], AdmissionReview.Parse(ok, "admission.k8s.io/v1", "u1", mutating: false).Warnings);
        Assert.Contains("expected response.uid=\"u2\"", Assert.Throws<WebhookCallException>(() => AdmissionReview.Parse(ok, "admission.k8s.io/v1", "u2", false)).Message);
        Assert.Throws<WebhookCallException>(() => AdmissionReview.Parse(ok, "admission.k8s.io/v1beta1", "u1", false));
        var patch = System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u1","allowed":true,"patchType":"JSONPatch","patch":"W10="}}""")!;
        Assert.Contains("may not return patches", Assert.Throws<WebhookCallException>(() => AdmissionReview.Parse(patch, "admission.k8s.io/v1", "u1", false)).Message);
        Assert.Equal("[]"u8.ToArray(), AdmissionReview.Parse(patch, "admission.k8s.io/v1", "u1", true).Patch);
    }
}
