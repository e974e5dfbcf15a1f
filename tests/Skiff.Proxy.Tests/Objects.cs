using k8s.Models;

namespace Skiff.Proxy.Tests;

/// <summary>Builders for the Service and EndpointSlice objects the tests feed the rule model.</summary>
internal static class Objects
{
    public const string Node = "node-a";

    public static V1Service Service(string name, string clusterIP, string type = "ClusterIP", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec
        {
            Type = type,
            ClusterIP = clusterIP,
            Ports = ports.Length == 0 ? [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080 }] : ports,
        },
    };

    public static V1EndpointSlice Slice(string service, params V1Endpoint[] endpoints) => SliceWithPort(service, "http", 8080, "TCP", endpoints);

    public static V1EndpointSlice SliceWithPort(string service, string portName, int port, string protocol, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = service + "-" + portName,
            NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Endpoints = endpoints,
        Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port, Protocol = protocol }],
    };

    public static V1Endpoint Endpoint(string ip, string node = Node, bool? ready = true, bool? serving = null, bool? terminating = null) => new()
    {
        Addresses = [ip],
        NodeName = node,
        Conditions = new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating },
    };
}
