using k8s.Models;
using Skiff.Proxy.Rules;
using static Skiff.Proxy.Tests.Objects;

namespace Skiff.Proxy.Tests.Rules;

public sealed class RuleModelBuilderTests
{
    private static ProxyRuleSet Build(V1Service[] services, V1EndpointSlice[] slices) =>
        RuleModelBuilder.Build(services, slices, Node, ["192.168.1.2"], "10.42.0.0/16");

    [Fact]
    public void Build_ReadyEndpoints_OnlyReadyUsed()
    {
        var rules = Build([Service("web", "10.43.0.10")], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.0.7", ready: false), Endpoint("10.42.0.8", ready: false, serving: true, terminating: true))]);
        var port = Assert.Single(rules.Ports);
        Assert.Equal(["10.42.0.5"], port.ClusterEndpoints.Select(e => e.Address));
        Assert.False(port.HasNoEndpoints);
    }

    [Fact]
    public void Build_NoReadyButServingTerminating_FallsBackToThem()
    {
        var rules = Build([Service("web", "10.43.0.10")], [Slice("web", Endpoint("10.42.0.7", ready: false, serving: false, terminating: true), Endpoint("10.42.0.8", ready: false, serving: true, terminating: true))]);
        Assert.Equal(["10.42.0.8"], rules.Ports[0].ClusterEndpoints.Select(e => e.Address));
    }

    [Fact]
    public void Build_NoUsableEndpoint_MarkedForReject()
    {
        var rules = Build([Service("web", "10.43.0.10")], [Slice("web", Endpoint("10.42.0.7", ready: false))]);
        Assert.True(rules.Ports[0].HasNoEndpoints);
    }

    [Fact]
    public void Build_InternalTrafficPolicyLocal_KeepsOnlyThisNodesEndpoints()
    {
        var svc = Service("web", "10.43.0.10");
        svc.Spec.InternalTrafficPolicy = "Local";
        var rules = Build([svc], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.1.5", node: "node-b"))]);
        Assert.Equal(["10.42.0.5"], rules.Ports[0].ClusterEndpoints.Select(e => e.Address));
    }

    [Fact]
    public void Build_ExternalTrafficPolicyLocal_ClusterTrafficStillUsesAll()
    {
        var svc = Service("web", "10.43.0.10", "NodePort");
        svc.Spec.Ports[0].NodePort = 30000;
        svc.Spec.ExternalTrafficPolicy = "Local";
        var rules = Build([svc], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.1.5", node: "node-b"))]);
        Assert.Equal(2, rules.Ports[0].ClusterEndpoints.Length);
        Assert.Equal(["10.42.0.5"], rules.Ports[0].ExternalEndpoints.Select(e => e.Address));
    }

    [Fact]
    public void Build_LoadBalancer_IngressAndExternalIPsAreExternalAddresses()
    {
        var svc = Service("web", "10.43.0.10", "LoadBalancer");
        svc.Spec.Ports[0].NodePort = 30000;
        svc.Spec.ExternalIPs = ["192.168.9.9"];
        svc.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.168.5.5" }, new V1LoadBalancerIngress { Hostname = "lb.example" }] } };
        var rules = Build([svc], [Slice("web", Endpoint("10.42.0.5"))]);
        Assert.Equal(["192.168.5.5", "192.168.9.9"], rules.Ports[0].ExternalAddresses.ToArray());
        Assert.Equal(30000, rules.Ports[0].NodePort);
    }

    [Fact]
    public void Build_ClusterIPType_IgnoresNodePortField()
    {
        var svc = Service("web", "10.43.0.10");
        svc.Spec.Ports[0].NodePort = 30000;
        var rules = Build([svc], [Slice("web", Endpoint("10.42.0.5"))]);
        Assert.Equal(0, rules.Ports[0].NodePort);
    }

    [Fact]
    public void Build_SessionAffinityWithoutConfig_DefaultsToThreeHours()
    {
        var svc = Service("web", "10.43.0.10");
        svc.Spec.SessionAffinity = "ClientIP";
        Assert.Equal(10800, Build([svc], []).Ports[0].AffinitySeconds);
    }

    [Fact]
    public void Build_SliceOfOtherServiceOrPortName_NotUsed()
    {
        var rules = Build([Service("web", "10.43.0.10")], [Slice("other", Endpoint("10.42.0.5")), SliceWithPort("web", "metrics", 9090, "TCP", Endpoint("10.42.0.6"))]);
        Assert.True(rules.Ports[0].HasNoEndpoints);
    }
}
