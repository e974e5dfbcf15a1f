using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Tests.Http;

public sealed class RequestInfoTests
{
    [Theory]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", "list", "", "v1", "ns1", "pods", null, null)]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods/p1", "get", "", "v1", "ns1", "pods", "p1", null)]
    [InlineData("PUT", "/api/v1/namespaces/ns1/pods/p1/status", "update", "", "v1", "ns1", "pods", "p1", "status")]
    [InlineData("GET", "/api/v1/pods", "list", "", "v1", null, "pods", null, null)]
    [InlineData("GET", "/api/v1/namespaces/ns1", "get", "", "v1", null, "namespaces", "ns1", null)]
    [InlineData("PUT", "/api/v1/namespaces/ns1/finalize", "update", "", "v1", null, "namespaces", "ns1", "finalize")]
    [InlineData("DELETE", "/apis/apps/v1/namespaces/ns1/deployments", "deletecollection", "apps", "v1", "ns1", "deployments", null, null)]
    [InlineData("GET", "/api/v1/watch/namespaces/ns1/pods", "watch", "", "v1", "ns1", "pods", null, null)]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/ns1/deployments/d/scale", "patch", "apps", "v1", "ns1", "deployments", "d", "scale")]
    [InlineData("GET", "/api/v1/nodes/n1", "get", "", "v1", null, "nodes", "n1", null)]
    public void Parse_ResourcePaths(string method, string path, string verb, string group, string version, string? ns, string resource, string? name, string? sub)
    {
        var info = RequestInfo.Parse(method, path, watchParam: false)!;
        Assert.Equal((verb, group, version, ns, resource, name, sub), (info.Verb, info.Group, info.Version, info.Namespace, info.Resource, info.Name, info.Subresource));
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/apis")]
    [InlineData("/api/v1")]
    [InlineData("/apis/apps/v1")]
    [InlineData("/healthz")]
    public void Parse_NonResourcePaths_Null(string path) => Assert.Null(RequestInfo.Parse("GET", path, false));

    [Fact]
    public void Parse_WatchParam_MakesListAWatch() =>
        Assert.Equal("watch", RequestInfo.Parse("GET", "/api/v1/pods", watchParam: true)!.Verb);

    [Theory]
    [InlineData("32s", 32_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("250ms", 250)]
    public void GoDuration_Parses(string text, int ms)
    {
        Assert.True(Skiff.Api.Validation.GoDurations.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), d);
    }
}
