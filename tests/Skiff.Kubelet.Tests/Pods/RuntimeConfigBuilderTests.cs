using System.Net;
using k8s.Models;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Node;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Pods;

public class RuntimeConfigBuilderTests
{
    private static readonly NodeAgentOptions Options = new() { NodeName = "n1", DataDir = "/d", NodeAddress = IPAddress.Parse("192.0.2.1"), CgroupRoot = "/skiff-t", ResolvConf = "" };

    private static V1Pod Pod(string qos = "Burstable") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", Uid = "u-1", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "main",
                    Image = "busybox",
                    Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080, Protocol = "TCP" }, new V1ContainerPort { ContainerPort = 53, Protocol = "UDP" }],
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("64Mi") },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("128Mi") },
                    },
                    SecurityContext = new V1SecurityContext { RunAsUser = 1000, ReadOnlyRootFilesystem = true, Capabilities = new V1Capabilities { Add = ["NET_ADMIN"], Drop = ["ALL"] } },
                },
            ],
        },
        Status = new V1PodStatus { QosClass = qos },
    };

    [Fact]
    public void Sandbox_has_kubelet_labels_log_directory_cluster_dns_host_ports_and_the_qos_cgroup()
    {
        var sandbox = RuntimeConfigBuilder.Sandbox(Pod(), 2, Options, "/d/agent/pods");
        Assert.Equal(("web", "shop", "u-1", 2u), (sandbox.Metadata.Name, sandbox.Metadata.Namespace, sandbox.Metadata.Uid, sandbox.Metadata.Attempt));
        Assert.Equal("/d/agent/pods/shop_web_u-1", sandbox.LogDirectory);
        Assert.Equal("u-1", sandbox.Labels[KubeletLabels.PodUid]);
        Assert.Equal("web", sandbox.Labels["app"]);
        Assert.Equal("/skiff-t/burstable/podu-1", sandbox.Linux.CgroupParent);
        Assert.Equal(["10.43.0.10"], sandbox.DnsConfig.Servers);
        Assert.Equal(["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"], sandbox.DnsConfig.Searches);
        Assert.Equal(["ndots:5"], sandbox.DnsConfig.Options);
        var port = Assert.Single(sandbox.PortMappings);
        Assert.Equal((80, 8080, Protocol.Tcp), (port.ContainerPort, port.HostPort, port.Protocol));
        Assert.Equal(NamespaceMode.Pod, sandbox.Linux.SecurityContext.NamespaceOptions.Network);
    }

    [Fact]
    public void Host_network_pod_uses_the_node_namespace_and_host_dns()
    {
        var pod = Pod();
        pod.Spec.HostNetwork = true;
        var sandbox = RuntimeConfigBuilder.Sandbox(pod, 0, Options, "/d/agent/pods");
        Assert.Equal(NamespaceMode.Node, sandbox.Linux.SecurityContext.NamespaceOptions.Network);
        Assert.Empty(sandbox.DnsConfig.Servers);
        Assert.Empty(sandbox.DnsConfig.Searches);
        Assert.Empty(sandbox.PortMappings);
        Assert.Equal("", sandbox.Hostname);
    }

    [Fact]
    public void Container_resources_become_cpu_shares_quota_memory_limit_and_oom_score()
    {
        var pod = Pod();
        var config = RuntimeConfigBuilder.Container(pod, pod.Spec.Containers[0], 3, [new("A", "1")], ["sh"], ["-c", "x"], [], 1024L * 1024 * 1024);
        var r = config.Linux.Resources;
        Assert.Equal(256, r.CpuShares);
        Assert.Equal(100_000, r.CpuPeriod);
        Assert.Equal(50_000, r.CpuQuota);
        Assert.Equal(128L * 1024 * 1024, r.MemoryLimitInBytes);
        Assert.Equal(1000 - (1000 * 64 / 1024), r.OomScoreAdj);
        Assert.Equal("main/3.log", config.LogPath);
        Assert.Equal(3u, config.Metadata.Attempt);
        Assert.Equal(["sh"], config.Command);
        Assert.Equal(["-c", "x"], config.Args);
        Assert.Equal("A", config.Envs[0].Key);
        Assert.Equal("main", config.Labels[KubeletLabels.ContainerName]);
        var sc = config.Linux.SecurityContext;
        Assert.Equal(1000, sc.RunAsUser.Value);
        Assert.True(sc.ReadonlyRootfs);
        Assert.Equal(["NET_ADMIN"], sc.Capabilities.AddCapabilities);
        Assert.Equal(["ALL"], sc.Capabilities.DropCapabilities);
        Assert.Contains("/proc/kcore", sc.MaskedPaths);
    }

    [Theory]
    [InlineData("Guaranteed", 0, -997)]
    [InlineData("BestEffort", 0, 1000)]
    [InlineData("Burstable", 0, 999)]
    [InlineData("Burstable", 1024, 2)]
    public void OomScoreAdj_follows_the_qos_policy(string qos, long requestMi, long score) =>
        Assert.Equal(score, RuntimeConfigBuilder.OomScoreAdj(qos, requestMi * 1024 * 1024, 1024L * 1024 * 1024));
}
