using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission;

public sealed class LimitRangerTests
{
    private static Dictionary<string, ResourceQuantity> L(params (string Name, string Value)[] items) =>
        items.ToDictionary(i => i.Name, i => new ResourceQuantity(i.Value));

    private static V1LimitRange Range(params V1LimitRangeItem[] items) => new() { Spec = new V1LimitRangeSpec { Limits = items } };

    private static V1Pod Pod(params V1Container[] containers) => new() { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { Containers = containers } };

    [Fact]
    public void Default_FillsOnlyMissingValues_AndAnnotates()
    {
        var pod = Pod(
            new V1Container { Name = "a" },
            new V1Container { Name = "b", Resources = new V1ResourceRequirements { Limits = L(("cpu", "2")), Requests = L(("cpu", "2")) } });
        LimitRanger.Default(pod, Range(new V1LimitRangeItem { Type = "Container", DefaultProperty = L(("cpu", "500m"), ("memory", "128Mi")), DefaultRequest = L(("cpu", "250m"), ("memory", "64Mi")) }));

        Assert.Equal("500m", pod.Spec.Containers[0].Resources.Limits["cpu"].ToString());
        Assert.Equal("64Mi", pod.Spec.Containers[0].Resources.Requests["memory"].ToString());
        Assert.Equal("2", pod.Spec.Containers[1].Resources.Limits["cpu"].ToString());
        Assert.Equal("128Mi", pod.Spec.Containers[1].Resources.Limits["memory"].ToString());
        Assert.Equal(
            "LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; memory limit for container b",
            pod.Metadata.Annotations[LimitRanger.Annotation]);
    }

    [Fact]
    public void ValidatePod_MinMaxAndRatio_KubernetesMessages()
    {
        var range = Range(new V1LimitRangeItem { Type = "Container", Min = L(("memory", "64Mi")), Max = L(("cpu", "1")), MaxLimitRequestRatio = L(("cpu", "2")) });
        var pod = Pod(new V1Container { Name = "c", Resources = new V1ResourceRequirements { Requests = L(("cpu", "500m")), Limits = L(("cpu", "1500m")) } });
        Assert.Equal(
        [
            "minimum memory usage per Container is 64Mi.  No request is specified",
            "maximum cpu usage per Container is 1, but limit is 1500m",
            "cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000",
        ], LimitRanger.ValidatePod(pod, range));

        var podItem = Range(new V1LimitRangeItem { Type = "Pod", Max = L(("cpu", "1")) });
        var two = Pod(
            new V1Container { Name = "a", Resources = new V1ResourceRequirements { Requests = L(("cpu", "600m")), Limits = L(("cpu", "600m")) } },
            new V1Container { Name = "b", Resources = new V1ResourceRequirements { Requests = L(("cpu", "600m")), Limits = L(("cpu", "600m")) } });
        Assert.Equal(["maximum cpu usage per Pod is 1, but limit is 1200m"], LimitRanger.ValidatePod(two, podItem));
    }

    [Fact]
    public void ValidateClaim_BoundsTheStorageRequest()
    {
        var range = Range(new V1LimitRangeItem { Type = "PersistentVolumeClaim", Min = L(("storage", "1Gi")), Max = L(("storage", "10Gi")) });
        var pvc = new V1PersistentVolumeClaim { Spec = new V1PersistentVolumeClaimSpec { Resources = new V1VolumeResourceRequirements { Requests = L(("storage", "20Gi")) } } };
        Assert.Equal(["maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"], LimitRanger.ValidateClaim(pvc, range));
    }

    [Fact]
    public async Task Http_DefaultsApplied_TooLargeRefusedWith403()
    {
        await using var server = await TestServer.StartAsync();
        var lr = await server.Client.PostAsync("/api/v1/namespaces/default/limitranges", TestServer.Json("""
            {"metadata":{"name":"lr"},"spec":{"limits":[{"type":"Container","default":{"cpu":"500m"},"max":{"cpu":"1"}}]}}
            """));
        Assert.Equal(HttpStatusCode.Created, lr.StatusCode);

        var ok = await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""{"metadata":{"name":"ok"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"""));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var pod = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
        Assert.Equal("500m", (string?)pod["spec"]!["containers"]![0]!["resources"]!["limits"]!["cpu"]);
        Assert.Equal("500m", (string?)pod["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]);
        Assert.Equal("LimitRanger plugin set: cpu request for container c; cpu limit for container c", (string?)pod["metadata"]!["annotations"]!["kubernetes.io/limit-ranger"]);

        var big = await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""
            {"metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"2"}}}]}}
            """));
        Assert.Equal(HttpStatusCode.Forbidden, big.StatusCode);
        Assert.Contains("pods \\\"big\\\" is forbidden: maximum cpu usage per Container is 1, but limit is 2\"", await big.Content.ReadAsStringAsync());
    }
}
