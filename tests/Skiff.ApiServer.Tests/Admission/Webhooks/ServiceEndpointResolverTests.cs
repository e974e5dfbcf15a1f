using k8s.Models;
using Skiff.ApiServer.Admission.Webhooks;

namespace Skiff.ApiServer.Tests.Admission.Webhooks;

public sealed class ServiceEndpointResolverTests
{
    private static V1Service Service(string? type = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "hook", NamespaceProperty = "ns" },
        Spec = new V1ServiceSpec { Type = type, ExternalName = type == "ExternalName" ? "hooks.example.com" : null, Ports = [new V1ServicePort { Name = "https", Port = 443, TargetPort = "web" }] },
    };

    private static V1EndpointSlice Slice(string portName, int port, params (string Ip, bool? Ready)[] endpoints) => new()
    {
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port }],
        Endpoints = endpoints.Select(e => new V1Endpoint { Addresses = [e.Ip], Conditions = new V1EndpointConditions { Ready = e.Ready } }).ToList(),
    };

    [Fact]
    public void Candidates_ReadySliceEndpointsOnTheNamedPort()
    {
        var result = ServiceEndpointResolver.Candidates(Service(), "hook", 443,
            [Slice("https", 8443, ("10.42.0.5", true), ("10.42.0.6", false), ("10.42.0.7", null)), Slice("metrics", 9090, ("10.42.0.8", true))], null);
        Assert.Equal([("10.42.0.5", 8443), ("10.42.0.7", 8443)], result);
    }

    [Fact]
    public void Candidates_FallBackToEndpoints()
    {
        var endpoints = new V1Endpoints
        {
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "10.42.1.9" }], Ports = [new Corev1EndpointPort { Name = "https", Port = 9443 }] }],
        };
        Assert.Equal([("10.42.1.9", 9443)], ServiceEndpointResolver.Candidates(Service(), "hook", 443, [], endpoints));
    }

    [Fact]
    public void Candidates_ExternalName_IsTheExternalHost() =>
        Assert.Equal([("hooks.example.com", 443)], ServiceEndpointResolver.Candidates(Service("ExternalName"), "hook", 443, [], null));

    [Fact]
    public void Candidates_Missing_ThrowNamingWhat()
    {
        Assert.Contains("service \"hook\" not found", Assert.Throws<WebhookCallException>(() => ServiceEndpointResolver.Candidates(null, "hook", 443, [], null)).Message);
        Assert.Contains("has no port 80", Assert.Throws<WebhookCallException>(() => ServiceEndpointResolver.Candidates(Service(), "hook", 80, [], null)).Message);
        Assert.Contains("no endpoints available for service \"hook\"", Assert.Throws<WebhookCallException>(() =>
            ServiceEndpointResolver.Candidates(Service(), "hook", 443, [Slice("https", 8443, ("10.42.0.6", false))], null)).Message);
    }

    [Theory]
    [InlineData("hook.ns.svc", true)]
    [InlineData("hook.ns.svc.cluster.local", false)]
    [InlineData("127.0.0.1", false)]
    public void TryParseServiceHost(string host, bool expected) => Assert.Equal(expected, ServiceEndpointResolver.TryParseServiceHost(host, out _, out _));
}
