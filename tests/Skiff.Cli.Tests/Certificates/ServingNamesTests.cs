using System.Net;
using Skiff.Certificates;

namespace Skiff.Cli.Tests.Certificates;

public sealed class ServingNamesTests
{
    [Fact]
    public void For_WildcardBind_AddsHostAddressesInsteadOfTheWildcard()
    {
        var names = ServingNames.For(IPAddress.Any, "h", [IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")]);

        Assert.DoesNotContain(IPAddress.Any, names.IpAddresses);
        Assert.Contains(IPAddress.Parse("192.0.2.1"), names.IpAddresses);
        Assert.Contains(IPAddress.Parse("2001:db8::1"), names.IpAddresses);
    }

    [Fact]
    public void For_LoopbackBind_HasNoDuplicates()
    {
        var names = ServingNames.For(IPAddress.Loopback, "localhost", [IPAddress.Loopback]);

        Assert.Equal(names.IpAddresses.Distinct().Count(), names.IpAddresses.Count);
        Assert.Single(names.DnsNames, "localhost");
    }

    [Theory]
    [InlineData("bad host")]
    [InlineData("")]
    [InlineData("under_score!")]
    public void For_HostNameNotADnsName_IsLeftOut(string hostName)
    {
        var names = ServingNames.For(IPAddress.Loopback, hostName, []);

        Assert.Equal(["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"], names.DnsNames);
    }
}
