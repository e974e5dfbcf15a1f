using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Tests.Env;

public class DownwardApiTests
{
    internal static V1Pod Pod() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            NamespaceProperty = "shop",
            Uid = "uid-1",
            Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" },
            Annotations = new Dictionary<string, string> { ["note"] = "say \"hi\"\nbye", ["a"] = "1" },
        },
        Spec = new V1PodSpec
        {
            NodeName = "node-1",
            ServiceAccountName = "builder",
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("64Mi") },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1500m"), ["memory"] = new("128Mi") },
                    },
                },
                new V1Container { Name = "side" },
            ],
        },
        Status = new V1PodStatus
        {
            PodIP = "10.42.0.5",
            PodIPs = [new V1PodIP { Ip = "10.42.0.5" }, new V1PodIP { Ip = "fd00::5" }],
            HostIP = "192.168.1.2",
            HostIPs = [new V1HostIP { Ip = "192.168.1.2" }],
        },
    };

    [Theory]
    [InlineData("metadata.name", "web")]
    [InlineData("metadata.namespace", "shop")]
    [InlineData("metadata.uid", "uid-1")]
    [InlineData("metadata.labels['app']", "web")]
    [InlineData("metadata.labels['missing']", "")]
    [InlineData("metadata.annotations['a']", "1")]
    [InlineData("metadata.labels", "app=\"web\"\ntier=\"front\"")]
    [InlineData("metadata.annotations", "a=\"1\"\nnote=\"say \\\"hi\\\"\\nbye\"")]
    [InlineData("spec.nodeName", "node-1")]
    [InlineData("spec.serviceAccountName", "builder")]
    [InlineData("status.podIP", "10.42.0.5")]
    [InlineData("status.podIPs", "10.42.0.5,fd00::5")]
    [InlineData("status.hostIP", "192.168.1.2")]
    [InlineData("status.hostIPs", "192.168.1.2")]
    public void FieldValue_reads_supported_paths(string path, string expected) =>
        Assert.Equal(expected, DownwardApi.FieldValue(Pod(), path));

    [Fact]
    public void FieldValue_prefers_the_addresses_the_kubelet_passes()
    {
        Assert.Equal("10.42.0.9", DownwardApi.FieldValue(Pod(), "status.podIP", podIPs: ["10.42.0.9"]));
        Assert.Equal("1.2.3.4,5.6.7.8", DownwardApi.FieldValue(Pod(), "status.hostIPs", hostIPs: ["1.2.3.4", "5.6.7.8"]));
    }

    [Theory]
    [InlineData("spec.containers")]
    [InlineData("metadata.generateName")]
    [InlineData("spec.nodeName['x']")]
    public void FieldValue_rejects_unsupported_paths(string path)
    {
        var ex = Assert.Throws<CreateContainerConfigException>(() => DownwardApi.FieldValue(Pod(), path));
        Assert.Equal($"unsupported fieldPath: {path}", ex.Message);
    }

    [Theory]
    [InlineData("limits.cpu", null, "2")]          // 1500m rounds up to 2 cores
    [InlineData("limits.cpu", "1m", "1500")]
    [InlineData("requests.cpu", "1m", "250")]
    [InlineData("requests.cpu", null, "1")]
    [InlineData("limits.memory", null, "134217728")]
    [InlineData("limits.memory", "1Mi", "128")]
    [InlineData("requests.memory", "1Mi", "64")]
    [InlineData("requests.memory", "1M", "68")]     // 67.1 MB rounds up
    [InlineData("requests.ephemeral-storage", null, "0")]
    [InlineData("limits.ephemeral-storage", "1Gi", "20")] // from node allocatable
    public void ResourceValue_divides_and_rounds_up(string resource, string? divisor, string expected)
    {
        var selector = new V1ResourceFieldSelector { Resource = resource, Divisor = divisor is null ? null : new ResourceQuantity(divisor) };
        var allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("8Gi"), ["ephemeral-storage"] = new("20Gi") };
        Assert.Equal(expected, DownwardApi.ResourceValue(selector, Pod().Spec.Containers[0], allocatable));
    }

    [Fact]
    public void ResourceValue_defaults_unset_limits_to_node_allocatable()
    {
        var allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("8Gi") };
        var side = Pod().Spec.Containers[1];
        Assert.Equal("4", DownwardApi.ResourceValue(new V1ResourceFieldSelector { Resource = "limits.cpu" }, side, allocatable));
        Assert.Equal("8192", DownwardApi.ResourceValue(new V1ResourceFieldSelector { Resource = "limits.memory", Divisor = new("1Mi") }, side, allocatable));
        Assert.Equal("0", DownwardApi.ResourceValue(new V1ResourceFieldSelector { Resource = "requests.memory" }, side, allocatable));
    }

    [Fact]
    public void ResourceValue_rejects_unknown_resources()
    {
        var ex = Assert.Throws<CreateContainerConfigException>(() =>
            DownwardApi.ResourceValue(new V1ResourceFieldSelector { Resource = "limits.gpu" }, Pod().Spec.Containers[0], null));
        Assert.Equal("unsupported container resource : limits.gpu", ex.Message);
    }
}
