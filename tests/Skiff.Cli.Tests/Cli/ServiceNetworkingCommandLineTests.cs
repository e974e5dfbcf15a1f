using System.CommandLine;
using System.Net;
using Skiff.Cli;

namespace Skiff.Cli.Tests.Cli;

public sealed class ServiceNetworkingCommandLineTests
{
    [Fact]
    public void Bind_NoFlags_ProxyAndDnsOnClusterDnsAddress()
    {
        var (cli, result) = Parse("server");
        Assert.Empty(result.Errors);
        var options = cli.Bind(result).Networking;
        Assert.False(options.DisableKubeProxy);
        Assert.False(options.DisableClusterDns);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.43.0.10"), 53), options.ClusterDnsListen);
        Assert.Equal("cluster.local", options.ClusterDomain);
        Assert.False(options.DisableServiceLb);
        Assert.Equal("/etc/resolv.conf", options.ResolvConf);
    }

    [Fact]
    public void Bind_Flags_CarriedIntoOptions()
    {
        var (cli, result) = Parse("server", "--disable-kube-proxy", "--disable-cluster-dns", "--cluster-dns-listen", "127.0.0.1:1053", "--cluster-domain", "example.internal", "--disable-servicelb", "--resolv-conf", "/run/skiff/resolv.conf");
        Assert.Empty(result.Errors);
        var options = cli.Bind(result).Networking;
        Assert.True(options.DisableKubeProxy);
        Assert.True(options.DisableClusterDns);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1053), options.ClusterDnsListen);
        Assert.Equal("example.internal", options.ClusterDomain);
        Assert.True(options.DisableServiceLb);
        Assert.Equal("/run/skiff/resolv.conf", options.ResolvConf);
    }

    [Fact]
    public void Bind_ClusterDnsListenWithoutPort_Port53()
    {
        var (cli, result) = Parse("server", "--cluster-dns-listen", "127.0.0.2");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 53), cli.Bind(result).Networking.ClusterDnsListen);
    }

    [Fact]
    public void Parse_BadClusterDnsListen_Error()
    {
        var (_, result) = Parse("server", "--cluster-dns-listen", "not-an-address");
        Assert.Contains(result.Errors, e => e.Message.Contains("--cluster-dns-listen"));
    }

    private static (ServerCommandLine Cli, ParseResult Result) Parse(params string[] args)
    {
        var cli = new ServerCommandLine(() => "/default/data");
        var root = new RootCommand { cli.Command };
        return (cli, root.Parse(args));
    }
}
