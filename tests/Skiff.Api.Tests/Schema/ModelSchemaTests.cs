using k8s.Models;
using Skiff.Api.Schema;

namespace Skiff.Api.Tests.Schema;

public sealed class ModelSchemaTests
{
    [Fact]
    public void Of_Pod_DescribesNestedShapes()
    {
        var pod = ModelSchema.Of<V1Pod>();

        Assert.Equal(SchemaKind.Object, pod.Kind);
        Assert.Same(pod, ModelSchema.Of(typeof(V1Pod)));
        var containers = pod.FindProperty("spec")!.Schema.FindProperty("containers")!;
        Assert.Equal(SchemaKind.List, containers.Schema.Kind);
        Assert.Same(ModelSchema.Of<V1Container>(), containers.Schema.Items);
        Assert.True(containers.Required);
        Assert.Equal("name", containers.Patch!.PatchMergeKey);
        Assert.True(containers.Patch.MergesByKey);
    }

    [Fact]
    public void Of_SpecialTypes_AreClassified()
    {
        var container = ModelSchema.Of<V1Container>();
        var limits = container.FindProperty("resources")!.Schema.FindProperty("limits")!.Schema;
        Assert.Equal(SchemaKind.Map, limits.Kind);
        Assert.Equal(SchemaKind.Quantity, limits.Items!.Kind);

        var port = ModelSchema.Of<V1HTTPGetAction>().FindProperty("port")!;
        Assert.Equal(SchemaKind.IntOrString, port.Schema.Kind);
        Assert.True(port.Required);

        var meta = ModelSchema.Of<V1ObjectMeta>();
        Assert.Equal(SchemaKind.DateTime, meta.FindProperty("creationTimestamp")!.Schema.Kind);
        Assert.Equal(SchemaKind.Map, meta.FindProperty("labels")!.Schema.Kind);
        Assert.Equal("set", meta.FindProperty("finalizers")!.Patch!.ListType);
        Assert.Equal(["uid"], meta.FindProperty("ownerReferences")!.Patch!.ListMapKeys);
        Assert.NotNull(meta.FindProperty("namespace"));

        Assert.Equal(SchemaKind.Bytes, ModelSchema.Of<V1Secret>().FindProperty("data")!.Schema.Items!.Kind);
        Assert.Equal(SchemaKind.Any, ModelSchema.Of<V1ManagedFieldsEntry>().FindProperty("fieldsV1")!.Schema.Kind);
        Assert.Equal("int32", ModelSchema.Of<V1ContainerPort>().FindProperty("containerPort")!.Schema.Format);
        Assert.True(ModelSchema.Of<V1LeaseSpec>().FindProperty("renewTime")!.IsMicroTime);
    }

    [Fact]
    public void Of_ListKind_IsAnObjectWithRequiredItems()
    {
        var list = ModelSchema.Of<V1PodList>();

        Assert.Equal(SchemaKind.Object, list.Kind);
        Assert.True(list.FindProperty("items")!.Required);
        Assert.False(list.FindProperty("metadata")!.Required);
    }

    [Fact]
    public void FindProperty_BySpan_MatchesCaseSensitively()
    {
        var pod = ModelSchema.Of<V1Pod>();

        Assert.NotNull(pod.FindProperty("apiVersion".AsSpan()));
        Assert.Null(pod.FindProperty("APIVersion".AsSpan()));
    }

    [Fact]
    public void Of_IsSafeUnderConcurrentFirstUse()
    {
        var schemas = new ModelSchema[16];
        Parallel.For(0, schemas.Length, i => schemas[i] = ModelSchema.Of<V1StatefulSet>());

        Assert.All(schemas, s => Assert.Same(schemas[0], s));
        Assert.All(schemas[0].Properties, p => Assert.NotNull(p.Schema));
    }
}
