using System.CommandLine;
using System.Net;
using Skiff.Server;

namespace Skiff.Cli;

/// <summary>The Service proxy and cluster DNS flags, shared by <c>skiff server</c> and (later) <c>skiff agent</c>.</summary>
internal sealed class ServiceNetworkingCommandLine
{
    private readonly Option<bool> _disableKubeProxy = new("--disable-kube-proxy") { Description = "Do not run the Service proxy (nftables) on this node" };
    private readonly Option<bool> _disableClusterDns = new("--disable-cluster-dns") { Description = "Do not run the cluster DNS server on this node" };
    private readonly Option<bool> _disableServiceLb = new("--disable-servicelb") { Description = "Do not run the built-in load balancer that gives LoadBalancer Services the nodes' addresses" };
    private readonly Option<string> _clusterDnsListen = new("--cluster-dns-listen")
    {
        Description = "ADDRESS:PORT the cluster DNS server listens on (UDP and TCP)",
        DefaultValueFactory = _ => ServiceNetworkingOptions.DefaultClusterDnsListen.ToString(),
    };

    private readonly Option<string> _clusterDomain = new("--cluster-domain")
    {
        Description = "The cluster's DNS domain",
        DefaultValueFactory = _ => "cluster.local",
    };

    private readonly Option<string> _resolvConf = new("--resolv-conf")
    {
        Description = "Resolver configuration of the node: cluster DNS forwards other names to its nameservers; pods with dnsPolicy Default use it",
        DefaultValueFactory = _ => "/etc/resolv.conf",
    };

    public ServiceNetworkingCommandLine()
    {
        _clusterDnsListen.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !IPEndPoint.TryParse(result.Tokens[0].Value, out _))
            {
                result.AddError($"--cluster-dns-listen: '{result.Tokens[0].Value}' is not ADDRESS:PORT");
            }
        });
    }

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_disableKubeProxy);
        command.Options.Add(_disableClusterDns);
        command.Options.Add(_disableServiceLb);
        command.Options.Add(_clusterDnsListen);
        command.Options.Add(_clusterDomain);
        command.Options.Add(_resolvConf);
    }

    public ServiceNetworkingOptions Bind(ParseResult parseResult)
    {
        var listen = IPEndPoint.Parse(parseResult.GetValue(_clusterDnsListen)!);
        return new ServiceNetworkingOptions
        {
            DisableKubeProxy = parseResult.GetValue(_disableKubeProxy),
            DisableClusterDns = parseResult.GetValue(_disableClusterDns),
            DisableServiceLb = parseResult.GetValue(_disableServiceLb),
            ClusterDnsListen = listen.Port == 0 && !parseResult.GetValue(_clusterDnsListen)!.Contains(':') ? new IPEndPoint(listen.Address, 53) : listen,
            ClusterDomain = parseResult.GetValue(_clusterDomain)!,
            ResolvConf = parseResult.GetValue(_resolvConf) ?? "",
        };
    }
}
