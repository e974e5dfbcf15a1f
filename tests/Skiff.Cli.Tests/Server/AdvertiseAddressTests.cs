using System.Net;
using Skiff.Server;

namespace Skiff.Cli.Tests.Server;

public sealed class AdvertiseAddressTests
{
    private const string Routes =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
        "eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
        "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
        "eth2\t00000000\t010300C0\t0003\t0\t0\t50\t00000000\t0\t0\t0\n" +
        "eth3\t00000000\t010400C0\t0002\t0\t0\t1\t00000000\t0\t0\t0\n";

    [Fact]
    public void DefaultRouteInterface_PicksTheLowestMetricUpDefaultRoute()
    {
        // eth3's route is not up (flags lack RTF_UP); eth1's is not a default route.
        Assert.Equal("eth2", AdvertiseAddress.DefaultRouteInterface(Routes));
    }

    [Fact]
    public void DefaultRouteInterface_NoDefaultRoute_IsNull()
    {
        Assert.Null(AdvertiseAddress.DefaultRouteInterface("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nlo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\n"));
        Assert.Null(AdvertiseAddress.DefaultRouteInterface(string.Empty));
    }

    [Fact]
    public void Choose_PrefersTheDefaultRouteInterfacesIPv4()
    {
        var chosen = AdvertiseAddress.Choose("eth1",
        [
            ("skiff0", [IPAddress.Parse("10.42.0.1")]),
            ("eth0", [IPAddress.Parse("192.0.2.10")]),
            ("eth1", [IPAddress.Parse("fe80::1"), IPAddress.Parse("198.51.100.7")]),
        ]);

        Assert.Equal(IPAddress.Parse("198.51.100.7"), chosen);
    }

    [Fact]
    public void Choose_WithoutDefaultRoute_SkipsPodBridgesAndVeths()
    {
        var chosen = AdvertiseAddress.Choose(null,
        [
            ("skiff0", [IPAddress.Parse("10.42.0.1")]),
            ("veth1234", [IPAddress.Parse("169.254.1.1")]),
            ("ens3", [IPAddress.Parse("192.0.2.10")]),
        ]);

        Assert.Equal(IPAddress.Parse("192.0.2.10"), chosen);
    }

    [Fact]
    public void Choose_OnlyLoopbackOrIPv6_IsNull()
    {
        Assert.Null(AdvertiseAddress.Choose(null, [("lo", [IPAddress.Loopback]), ("eth0", [IPAddress.Parse("2001:db8::1")])]));
    }
}
