using k8s.Models;
using Skiff.ApiServer.Registry.Discovery.EndpointSlices;

namespace Skiff.ApiServer.Tests.Registry.Discovery;

public class EndpointSliceStrategyTests
{
    private readonly EndpointSliceStrategy _strategy = Strategies.For<EndpointSliceStrategy, V1EndpointSlice>();

    private static V1EndpointSlice Slice() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-abc", CreationTimestamp = Strategies.Now.AddSeconds(-90) },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Port = 80 }],
        Endpoints = [new V1Endpoint { Addresses = ["10.42.0.5"] }, new V1Endpoint { Addresses = ["10.42.0.6"] }],
    };

    [Fact]
    public void Create_Defaults_PortProtocolAndName()
    {
        var s = Slice();
        Assert.Empty(Strategies.Create(_strategy, s));
        Assert.Equal("TCP", s.Ports[0].Protocol);
        Assert.Equal("", s.Ports[0].Name);
    }

    [Fact]
    public void Create_NoAddressType_Required()
    {
        var s = Slice();
        s.AddressType = null;
        Assert.Contains(Strategies.Create(_strategy, s), e => e.ToString() == "addressType: Required value");
    }

    [Fact]
    public void Create_WrongFamily_Invalid()
    {
        var s = Slice();
        s.Endpoints[0].Addresses = ["fd00::1"];
        Assert.Equal("endpoints[0].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address", Assert.Single(Strategies.Create(_strategy, s)).ToString());
    }

    [Fact]
    public void Update_AddressType_Immutable()
    {
        var old = Slice();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.AddressType = "FQDN";
        updated.Endpoints = [new V1Endpoint { Addresses = ["web.example.com"] }];
        Assert.Contains(Strategies.Update(_strategy, updated, old), e => e.Field == "addressType" && e.Detail == "field is immutable");
    }

    [Fact]
    public void Table_Cells_PortsAndEndpoints()
    {
        var s = Slice();
        s.Endpoints.Add(new V1Endpoint { Addresses = ["10.42.0.7", "10.42.0.8"] });
        Assert.Equal(["Name", "AddressType", "Ports", "Endpoints", "Age"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["web-abc", "IPv4", "80", "10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...", "90s"], _strategy.Table.Cells(s, Strategies.Now));
        s.Endpoints = null;
        s.Ports = null;
        Assert.Equal("<unset>", _strategy.Table.Cells(s, Strategies.Now)[2]);
        Assert.Equal("<unset>", _strategy.Table.Cells(s, Strategies.Now)[3]);
    }
}
