using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.ManagedFields;
using Skiff.Api.Schema;

namespace Skiff.Api.Tests.ManagedFields;

public sealed class FieldManagerTests
{
    private static readonly DateTime Now = new(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private static FieldManagerRequest Request(string manager, string apiVersion = "apps/v1", string? subresource = null) =>
        new() { Manager = manager, ApiVersion = apiVersion, Subresource = subresource, Now = Now };

    private static JsonObject Json(string s) => (JsonObject)JsonNode.Parse(s)!;

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Fields(IList<V1ManagedFieldsEntry>? managed, string manager, string operation) =>
        ((JsonNode)managed!.Single(e => e.Manager == manager && e.Operation == operation).FieldsV1).ToJsonString(Relaxed);

    private const string Deploy = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"app":"d"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},
          "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}]}]}}}}
        """;

    [Fact]
    public void Update_Create_OwnsEverythingWithKubernetesFieldsV1Shape()
    {
        var managed = FieldManager.Update(null, null, null, Json(Deploy), ModelSchema.Of<V1Deployment>(), Request("kubectl-create"));
        var entry = Assert.Single(managed!);
        Assert.Equal("Update", entry.Operation);
        Assert.Equal("apps/v1", entry.ApiVersion);
        Assert.Equal(Now, entry.Time);
        Assert.Equal(
            """{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}""",
            Fields(managed, "kubectl-create", "Update"));
    }

    [Fact]
    public void Update_NoChange_KeepsEntriesAndTimes()
    {
        var managed = FieldManager.Update(null, null, null, Json(Deploy), ModelSchema.Of<V1Deployment>(), Request("a"));
        var again = FieldManager.Update(managed, null, Json(Deploy), Json(Deploy), ModelSchema.Of<V1Deployment>(), Request("b") with { Now = Now.AddHours(1) });
        var entry = Assert.Single(again!);
        Assert.Equal("a", entry.Manager);
        Assert.Equal(Now, entry.Time);
    }

    [Fact]
    public void Update_ChangedField_MovesToNewManager_RemovedFieldLeavesEveryone()
    {
        var schema = ModelSchema.Of<V1ConfigMap>();
        var v1 = Json("""{"metadata":{"name":"c"},"data":{"a":"1","b":"2"}}""");
        var managed = FieldManager.Update(null, null, null, v1, schema, Request("a", "v1"));
        var v2 = Json("""{"metadata":{"name":"c"},"data":{"a":"changed"}}""");
        managed = FieldManager.Update(managed, null, v1, v2, schema, Request("b", "v1"));
        Assert.Equal("""{"f:data":{}}""", Fields(managed, "a", "Update"));
        Assert.Equal("""{"f:data":{"f:a":{}}}""", Fields(managed, "b", "Update"));
    }

    [Fact]
    public void Update_RequestedManagedFields_AreUsedInsteadOfLive()
    {
        var schema = ModelSchema.Of<V1ConfigMap>();
        var v1 = Json("""{"metadata":{"name":"c"},"data":{"a":"1"}}""");
        var managed = FieldManager.Update(null, null, null, v1, schema, Request("a", "v1"));
        var cleared = FieldManager.Update(managed, [new V1ManagedFieldsEntry()], v1, v1, schema, Request("b", "v1"));
        Assert.Null(cleared);
    }

    [Fact]
    public void Update_Filter_KeepsStatusOutOfMainWrites()
    {
        var schema = ModelSchema.Of<V1Deployment>();
        var request = Request("a") with { Filter = s => { var c = s.Clone(); c.RemoveChild("f:status"); return c; } };
        var managed = FieldManager.Update(null, null, null, Json("""{"spec":{"replicas":1},"status":{"replicas":1}}"""), schema, request);
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", Fields(managed, "a", "Update"));
    }

    [Fact]
    public void Apply_Create_OwnsOnlyAppliedFields()
    {
        var result = FieldManager.Apply(null, null, Json(Deploy), ModelSchema.Of<V1Deployment>(), Request("kubectl"), force: false);
        var entry = Assert.Single(result.ManagedFields!);
        Assert.Equal("Apply", entry.Operation);
        Assert.Equal(2, (int)result.Object["spec"]!["replicas"]!);
        Assert.Contains("\"f:replicas\":{}", Fields(result.ManagedFields, "kubectl", "Apply"));
    }

    [Fact]
    public void Apply_ConflictWithUpdater_ThrowsWithKubernetesMessage()
    {
        var schema = ModelSchema.Of<V1Deployment>();
        var live = Json(Deploy);
        var managed = FieldManager.Update(null, null, null, live, schema, Request("kubectl-client-side-apply"));
        var config = Json(Deploy.Replace("\"replicas\":2", "\"replicas\":3").Replace("\"nginx\"", "\"nginx:2\""));
        var e = Assert.Throws<ApplyConflictException>(() => FieldManager.Apply(managed, live, config, schema, Request("ssa"), force: false));
        Assert.Equal(
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image",
            e.Message);
    }

    [Fact]
    public void Apply_Force_TransfersOwnership()
    {
        var schema = ModelSchema.Of<V1Deployment>();
        var live = Json(Deploy);
        var managed = FieldManager.Update(null, null, null, live, schema, Request("creator"));
        var result = FieldManager.Apply(managed, live, Json("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":9}}"""), schema, Request("ssa"), force: true);
        Assert.Equal(9, (int)result.Object["spec"]!["replicas"]!);
        Assert.DoesNotContain("f:replicas", Fields(result.ManagedFields, "creator", "Update"));
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", Fields(result.ManagedFields, "ssa", "Apply"));
        Assert.Equal("nginx", (string?)result.Object["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public void Apply_OneApplierConflictMessage_NamesApplierWithoutVersion()
    {
        var schema = ModelSchema.Of<V1ConfigMap>();
        var first = FieldManager.Apply(null, null, Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"a"}}"""), schema, Request("one", "v1"), false);
        var e = Assert.Throws<ApplyConflictException>(() => FieldManager.Apply(first.ManagedFields, first.Object,
            Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"b"}}"""), schema, Request("two", "v1"), false));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"one\": .data.k", e.Message);
    }

    [Fact]
    public void Apply_DroppedListItem_IsRemoved_UnlessAnotherManagerOwnsIt()
    {
        var schema = ModelSchema.Of<V1Deployment>();
        var two = Deploy.Replace("""[{"name":"web","image":"nginx","ports":[{"containerPort":80}]}]""", """[{"name":"web","image":"nginx"},{"name":"side","image":"busybox"}]""");
        var first = FieldManager.Apply(null, null, Json(two), schema, Request("ssa"), false);
        var dropped = FieldManager.Apply(first.ManagedFields, first.Object, Json(Deploy), schema, Request("ssa"), false);
        var names = dropped.Object["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!);
        Assert.Equal(["web"], names);

        // Another manager set side's image: the item stays with what that manager owns.
        var live = (JsonObject)first.Object.DeepClone();
        live["spec"]!["template"]!["spec"]!["containers"]![1]!["image"] = "busybox:2";
        var managed = FieldManager.Update(first.ManagedFields, null, first.Object, live, schema, Request("kubectl-set"));
        var kept = FieldManager.Apply(managed, live, Json(Deploy), schema, Request("ssa"), false);
        var side = kept.Object["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single(c => (string?)c!["name"] == "side")!;
        Assert.Equal("busybox:2", (string?)side["image"]);
    }

    [Fact]
    public void Apply_KeyedListOrder_FollowsConfiguration()
    {
        var schema = ModelSchema.Of<V1Pod>();
        var live = Json("""{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""");
        var result = FieldManager.Apply(null, live, Json("""{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c"},{"name":"b","image":"x"}]}}"""), schema, Request("m", "v1"), false);
        Assert.Equal(["a", "c", "b"], result.Object["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
    }

    [Fact]
    public void Apply_SetList_UsesValueElements()
    {
        var result = FieldManager.Apply(null, null, Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["x/y"]}}"""), ModelSchema.Of<V1ConfigMap>(), Request("m", "v1"), false);
        Assert.Equal("""{"f:metadata":{"f:finalizers":{"v:\"x/y\"":{}}}}""", Fields(result.ManagedFields, "m", "Apply"));
    }

    [Fact]
    public void FieldSet_RoundTripsFieldsV1AndFormatsPaths()
    {
        var json = """{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{}}}}}""";
        var set = FieldSet.FromFieldsV1(JsonNode.Parse(json));
        Assert.Equal(json, set.ToFieldsV1().ToJsonString(Relaxed));
        var paths = set.Paths().Select(FieldSet.FormatPath).ToList();
        Assert.Equal([".metadata.labels", ".metadata.labels.a", ".spec.ports[port=80,protocol=\"TCP\"]", ".spec.ports[port=80,protocol=\"TCP\"].port"], paths);
        Assert.Throws<FormatException>(() => FieldSet.FromFieldsV1(JsonNode.Parse("""{"x:bad":{}}""")));
    }
}
