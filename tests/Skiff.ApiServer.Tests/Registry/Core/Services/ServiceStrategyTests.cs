using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Core.Services;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Services;

public sealed class ServiceStrategyTests
{
    private static ServiceStrategy Strategy() => Bind<ServiceStrategy, V1Service>(new ServiceStrategy());

    private static V1Service Service(string? type = null, params V1ServicePort[] ports) => new()
    {
        Metadata = Meta("web"),
        Spec = new V1ServiceSpec
        {
            Type = type,
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports = ports.Length > 0 ? ports : [new V1ServicePort { Port = 80 }],
        },
    };

    [Fact]
    public void Create_ClusterIpService_GetsDefaults()
    {
        var svc = Service();
        var errors = Create(Strategy(), svc);

        Assert.Empty(errors);
        Assert.Equal("ClusterIP", svc.Spec.Type);
        Assert.Equal("None", svc.Spec.SessionAffinity);
        Assert.Equal("TCP", svc.Spec.Ports[0].Protocol);
        Assert.Equal("80", svc.Spec.Ports[0].TargetPort.Value);
        Assert.Equal("SingleStack", svc.Spec.IpFamilyPolicy);
        Assert.Equal(["IPv4"], svc.Spec.IpFamilies);
        Assert.Equal("Cluster", svc.Spec.InternalTrafficPolicy);
        Assert.Null(svc.Spec.ExternalTrafficPolicy);
        Assert.NotNull(svc.Status.LoadBalancer);
    }

    [Fact]
    public void Default_NodePort_ExternalTrafficPolicyCluster()
    {
        var svc = Service("NodePort");
        Strategy().Default(svc);

        Assert.Equal("Cluster", svc.Spec.ExternalTrafficPolicy);
    }

    [Fact]
    public void Default_LoadBalancer_AllocatesNodePortsByDefault()
    {
        var svc = Service("LoadBalancer");
        Strategy().Default(svc);

        Assert.True(svc.Spec.AllocateLoadBalancerNodePorts);
    }

    [Fact]
    public void NameRule_Services_Dns1035Label() => Assert.Equal(NameRule.Dns1035Label, Strategy().NameRule);

    [Fact]
    public void Validate_NoPorts_RequiredValue()
    {
        var svc = Service();
        svc.Spec.Ports = [];
        var errors = Create(Strategy(), svc);

        Assert.Equal("spec.ports: Required value", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_HeadlessWithoutPorts_Valid()
    {
        var svc = Service();
        svc.Spec.Ports = [];
        svc.Spec.ClusterIP = "None";

        Assert.Empty(Create(Strategy(), svc));
    }

    [Fact]
    public void Validate_UnknownType_NotSupported()
    {
        var svc = Service("Internal");
        var errors = Create(Strategy(), svc);

        Assert.Contains("spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"", Messages(errors));
    }

    [Fact]
    public void Validate_PortOutOfRange_Invalid()
    {
        var svc = Service(null, new V1ServicePort { Port = 0 });
        svc.Spec.Ports[0].TargetPort = 8080;
        var errors = Create(Strategy(), svc);

        Assert.Equal("spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_TwoUnnamedPorts_NameRequired()
    {
        var svc = Service(null, new V1ServicePort { Port = 80 }, new V1ServicePort { Port = 443 });
        var errors = Create(Strategy(), svc);

        Assert.Contains("spec.ports[0].name: Required value", Messages(errors));
    }

    [Fact]
    public void Validate_NodePortOnClusterIp_Forbidden()
    {
        var svc = Service(null, new V1ServicePort { Port = 80, NodePort = 30080 });
        var errors = Create(Strategy(), svc);

        Assert.Equal("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ValidateUpdate_ClusterIpChanged_MayNotChange()
    {
        var strategy = Strategy();
        var old = Service();
        Create(strategy, old);
        old.Spec.ClusterIP = "10.43.0.20";
        old.Spec.ClusterIPs = ["10.43.0.20"];
        var svc = Copy(old);
        svc.Spec.ClusterIP = "10.43.0.21";
        svc.Spec.ClusterIPs = ["10.43.0.21"];

        var error = Assert.Single(Update(strategy, svc, old));
        Assert.Equal("spec.clusterIPs[0]: Invalid value: []string{\"10.43.0.21\"}: may not change once set", error.ToString());
    }

    [Fact]
    public void PrepareForUpdate_ReplaceWithoutAllocatedValues_KeepsClusterIpAndNodePort()
    {
        var strategy = Strategy();
        var old = Service("NodePort", new V1ServicePort { Port = 80, NodePort = 30080 });
        Create(strategy, old);
        old.Spec.ClusterIP = "10.43.0.20";
        old.Spec.ClusterIPs = ["10.43.0.20"];
        var svc = Service("NodePort", new V1ServicePort { Port = 80 });

        var errors = Update(strategy, svc, old);

        Assert.Empty(errors);
        Assert.Equal("10.43.0.20", svc.Spec.ClusterIP);
        Assert.Equal(["10.43.0.20"], svc.Spec.ClusterIPs);
        Assert.Equal(30080, svc.Spec.Ports[0].NodePort);
    }

    [Fact]
    public void SelectableFields_Service_ClusterIpAndType()
    {
        var svc = Service();
        Create(Strategy(), svc);

        var fields = Strategy().SelectableFields(svc).ToDictionary();

        Assert.Equal("ClusterIP", fields["spec.type"]);
        Assert.Equal("", fields["spec.clusterIP"]);
    }
}
