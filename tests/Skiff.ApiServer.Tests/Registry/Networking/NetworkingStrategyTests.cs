using k8s.Models;
using Skiff.ApiServer.Registry.Networking.IngressClasses;
using Skiff.ApiServer.Registry.Networking.Ingresses;
using Skiff.ApiServer.Registry.Networking.NetworkPolicies;

namespace Skiff.ApiServer.Tests.Registry.Networking;

public class NetworkingStrategyTests
{
    private readonly IngressStrategy _ingresses = Strategies.For<IngressStrategy, V1Ingress>();
    private readonly IngressClassStrategy _classes = Strategies.For<IngressClassStrategy, V1IngressClass>();
    private readonly NetworkPolicyStrategy _policies = Strategies.For<NetworkPolicyStrategy, V1NetworkPolicy>();

    private static V1Ingress Ingress(string pathType = "Prefix", string path = "/") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1IngressSpec
        {
            Rules =
            [
                new V1IngressRule
                {
                    Host = "example.com",
                    Http = new V1HTTPIngressRuleValue
                    {
                        Paths =
                        [
                            new V1HTTPIngressPath
                            {
                                Path = path,
                                PathType = pathType,
                                Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "web", Port = new V1ServiceBackendPort { Number = 80 } } },
                            },
                        ],
                    },
                },
            ],
        },
    };

    [Fact]
    public void Ingress_Valid_NoErrors() => Assert.Empty(Strategies.Create(_ingresses, Ingress()));

    [Fact]
    public void Ingress_NoRulesNoBackend_Invalid()
    {
        var ing = new V1Ingress { Metadata = new V1ObjectMeta { Name = "x" }, Spec = new V1IngressSpec() };
        Assert.Equal("spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified", Assert.Single(Strategies.Create(_ingresses, ing)).ToString());
    }

    [Fact]
    public void Ingress_MissingPathType_Required() =>
        Assert.Equal("spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified", Assert.Single(Strategies.Create(_ingresses, Ingress(""))).ToString());

    [Fact]
    public void Ingress_RelativePrefixPath_Invalid() =>
        Assert.Equal("spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path", Assert.Single(Strategies.Create(_ingresses, Ingress("Prefix", "api"))).ToString());

    [Fact]
    public void Ingress_BackendWithoutPort_Required()
    {
        var ing = Ingress();
        ing.Spec.Rules[0].Http.Paths[0].Backend.Service.Port = null;
        Assert.Equal("spec.rules[0].http.paths[0].backend: Required value: port name or number is required", Assert.Single(Strategies.Create(_ingresses, ing)).ToString());
    }

    [Fact]
    public void Ingress_IpHost_Invalid()
    {
        var ing = Ingress();
        ing.Spec.Rules[0].Host = "10.0.0.1";
        Assert.Equal("spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address", Assert.Single(Strategies.Create(_ingresses, ing)).ToString());
    }

    [Fact]
    public void IngressTable_Cells_ClassHostsAddressPorts()
    {
        var ing = Ingress();
        ing.Metadata.CreationTimestamp = Strategies.Now.AddDays(-10);
        ing.Spec.IngressClassName = "nginx";
        ing.Spec.Tls = [new V1IngressTLS { Hosts = ["example.com"] }];
        ing.Status = new V1IngressStatus { LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = [new V1IngressLoadBalancerIngress { Ip = "192.168.1.20" }, new V1IngressLoadBalancerIngress { Ip = "192.168.1.10" }] } };
        var table = new IngressTable();
        Assert.Equal(["Name", "Class", "Hosts", "Address", "Ports", "Age"], table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["web", "nginx", "example.com", "192.168.1.10,192.168.1.20", "80, 443", "10d"], table.Cells(ing, Strategies.Now));
        ing.Spec.IngressClassName = null;
        ing.Spec.Rules = [new V1IngressRule(), new V1IngressRule { Host = "a" }, new V1IngressRule { Host = "b" }, new V1IngressRule { Host = "c" }, new V1IngressRule { Host = "d" }];
        var cells = table.Cells(ing, Strategies.Now);
        Assert.Equal("<none>", cells[1]);
        Assert.Equal("a,b,c + 2 more...", cells[2]);
    }

    [Fact]
    public void IngressClass_DefaultsScopeAndControllerImmutable()
    {
        var ic = new V1IngressClass
        {
            Metadata = new V1ObjectMeta { Name = "nginx" },
            Spec = new V1IngressClassSpec { Controller = "k8s.io/ingress-nginx", Parameters = new V1IngressClassParametersReference { Kind = "Params", Name = "p", ApiGroup = "example.com" } },
        };
        Assert.Empty(Strategies.Create(_classes, ic));
        Assert.Equal("Cluster", ic.Spec.Parameters.Scope);
        Assert.Equal<object?>(["nginx", "k8s.io/ingress-nginx", "Params.example.com/p", "<unknown>"], _classes.Table.Cells(ic, Strategies.Now));
        var updated = Strategies.Copy(ic);
        updated.Spec.Controller = "example.com/other";
        Assert.Contains(Strategies.Update(_classes, updated, ic), e => e.Field == "spec.controller" && e.Detail == "field is immutable");
    }

    [Fact]
    public void NetworkPolicy_Defaults_PolicyTypesAndProtocol()
    {
        var np = new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "deny" },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = Strategies.Selector(),
                Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Port = 53 }] }],
            },
        };
        Assert.Empty(Strategies.Create(_policies, np));
        Assert.Equal(["Ingress", "Egress"], np.Spec.PolicyTypes);
        Assert.Equal("TCP", np.Spec.Egress[0].Ports[0].Protocol);
        Assert.Equal<object?>(["deny", "app=web", "<unknown>"], _policies.Table.Cells(np, Strategies.Now));
    }

    [Fact]
    public void NetworkPolicy_IngressOnly_DefaultsIngressType()
    {
        var np = new V1NetworkPolicy { Metadata = new V1ObjectMeta { Name = "d" }, Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector() } };
        Assert.Empty(Strategies.Create(_policies, np));
        Assert.Equal(["Ingress"], np.Spec.PolicyTypes);
        Assert.Equal("<none>", _policies.Table.Cells(np, Strategies.Now)[1]);
    }
}
