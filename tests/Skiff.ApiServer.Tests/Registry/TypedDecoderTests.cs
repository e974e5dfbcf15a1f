using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests.Registry;

public sealed class TypedDecoderTests
{
    private static readonly ResourceInfo ConfigMaps = BuiltInResources.Resources.Single(r => r.Type == typeof(V1ConfigMap));

    [Fact]
    public void Decode_StoredConfigMap_SplicesResourceVersionAndReadsLabels()
    {
        var decoder = new TypedDecoder<V1ConfigMap>(ConfigMaps, new DefaultStrategy<V1ConfigMap> { Info = ConfigMaps });
        var stored = """{"apiVersion":"v1","data":{"k":"{\"metadata\":1}"},"kind":"ConfigMap","metadata":{"labels":{"a":"b"},"name":"x","namespace":"ns"}}""";
        var o = decoder.Decode("/registry/core/configmaps/ns/x", Encoding.UTF8.GetBytes(stored), 42);
        var node = JsonNode.Parse(o.Json)!;
        Assert.Equal("42", (string?)node["metadata"]!["resourceVersion"]);
        Assert.Equal("{\"metadata\":1}", (string?)node["data"]!["k"]);
        Assert.Equal(("x", "ns", "b"), (o.Name, o.Namespace, o.Labels!["a"]));
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}""")]
    public void TrySplice_ValidShapes_ProduceValidJson(string stored)
    {
        Assert.True(TypedDecoder<V1ConfigMap>.TrySplice(Encoding.UTF8.GetBytes(stored), 7, out var json, out var start, out var length));
        Assert.Equal("7", (string?)JsonNode.Parse(json)!["metadata"]!["resourceVersion"]);
        Assert.NotNull(JsonNode.Parse(json.AsSpan(start, length).ToArray()));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"x"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"3"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap"}""")]
    public void TrySplice_OtherShapes_FallBack(string stored) =>
        Assert.False(TypedDecoder<V1ConfigMap>.TrySplice(Encoding.UTF8.GetBytes(stored), 7, out _, out _, out _));
}
