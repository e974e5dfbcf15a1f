using k8s.Models;
using Skiff.ApiServer.Registry.Core.Endpoints;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Endpoints;

public sealed class EndpointsStrategyTests
{
    private static EndpointsStrategy Strategy() => Bind<EndpointsStrategy, V1Endpoints>(new EndpointsStrategy());

    private static V1Endpoints Endpoints(params string[] ips) => new()
    {
        Metadata = Meta("web"),
        Subsets =
        [
            new V1EndpointSubset
            {
                Addresses = ips.Select(ip => new V1EndpointAddress { Ip = ip }).ToList(),
                Ports = [new Corev1EndpointPort { Port = 80 }],
            },
        ],
    };

    [Fact]
    public void Create_Endpoints_PortProtocolDefaultsToTcp()
    {
        var ep = Endpoints("10.42.0.5");

        Assert.Empty(Create(Strategy(), ep));
        Assert.Equal("TCP", ep.Subsets[0].Ports[0].Protocol);
    }

    [Fact]
    public void Validate_LoopbackAddress_Invalid()
    {
        var errors = Create(Strategy(), Endpoints("127.0.0.1"));

        Assert.Equal("subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_SubsetWithoutAddresses_Required()
    {
        var errors = Create(Strategy(), Endpoints());

        Assert.Equal("subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Warnings_Endpoints_Deprecated() =>
        Assert.Equal(["v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"], Strategy().Warnings(Endpoints("10.42.0.5")));

    [Fact]
    public void Table_FiveAddresses_ThreeThenMore()
    {
        var cells = EndpointsTable.Instance.Cells(Endpoints("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"), Now);

        Assert.Equal(["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", "5m"], cells);
    }

    [Fact]
    public void Table_NoSubsets_None() =>
        Assert.Equal("<none>", EndpointsTable.Instance.Cells(new V1Endpoints { Metadata = Meta("web") }, Now)[1]);
}
