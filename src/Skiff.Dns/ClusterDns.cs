using Microsoft.Extensions.Logging;
using Skiff.Client.Cache;
using Skiff.Dns.Cluster;
using Skiff.Dns.Server;

namespace Skiff.Dns;

/// <summary>The cluster DNS component: informers on Services, EndpointSlices and Namespaces, and the DNS server.</summary>
public sealed class ClusterDns(InformerFactory informers, DnsOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    /// <summary>Serves until cancelled; the listener opens once the caches have synced, so no answer comes from an empty cache.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var data = new InformerDnsData(informers);
        informers.Start(cancellationToken);
        await data.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await using var server = new ClusterDnsServer(data, options, timeProvider, loggerFactory.CreateLogger("Skiff.Dns"));
        server.Start();
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
