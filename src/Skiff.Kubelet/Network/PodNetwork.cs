using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Host;

namespace Skiff.Kubelet.Network;

/// <summary>
/// The node's pod network: a CNI conflist (bridge with host-local IPAM on the node's pod CIDR, hairpin for pods that
/// reach themselves through a Service, portmap for hostPort) written before containerd starts (containerd 1.6 does not
/// notice a conflist moved in later), the bridge created up front so route_localnet can be set on it (hostPort on
/// 127.0.0.1), and an <c>unreachable</c> route for the cluster range with a shorter prefix than the bridge's own /24,
/// so other nodes' pod addresses never leave the machine by the default route (DESIGN §4). Never routes 10.0.0.0/8.
/// </summary>
internal sealed partial class PodNetwork(AgentPaths paths, ILogger logger)
{
    public const string NetworkName = "skiff-pod-network";

    /// <summary>The bridge's name: unique per data directory (several agents on one machine), within IFNAMSIZ.</summary>
    public string BridgeName { get; } = "skb" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(paths.Root)))[..8];

    public string ConflistPath => Path.Combine(paths.CniConfDirectory, "10-skiff.conflist");

    /// <summary>The conflist for <paramref name="podCidr"/>.</summary>
    public static string Conflist(string bridge, string podCidr, string dataDir)
    {
        var conflist = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = NetworkName,
            ["plugins"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "bridge",
                    ["bridge"] = bridge,
                    ["isGateway"] = true,
                    // Masquerade is the node's own nftables rule (MasqueradeRules), which leaves traffic to other nodes' pods alone.
                    ["ipMasq"] = false,
                    ["hairpinMode"] = true,
                    ["ipam"] = new JsonObject
                    {
                        ["type"] = "host-local",
                        ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = podCidr })),
                        ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                        ["dataDir"] = dataDir,
                    },
                },
                new JsonObject
                {
                    ["type"] = "portmap",
                    ["capabilities"] = new JsonObject { ["portMappings"] = true },
                    ["snat"] = true,
                }),
        };
        return conflist.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes the conflist (in place, not by rename) and prepares the host; call before containerd starts.</summary>
    public async Task PrepareAsync(string podCidr, string clusterCidr, string serviceCidr, string clusterDns, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.CniConfDirectory);
        Directory.CreateDirectory(paths.CniDataDirectory);
        foreach (var stale in Directory.GetFiles(paths.CniConfDirectory).Where(f => f != ConflistPath))
        {
            File.Delete(stale);
        }

        var text = Conflist(BridgeName, podCidr, paths.CniDataDirectory);
        if (!File.Exists(ConflistPath) || await File.ReadAllTextAsync(ConflistPath, cancellationToken).ConfigureAwait(false) != text)
        {
            await File.WriteAllTextAsync(ConflistPath, text, cancellationToken).ConfigureAwait(false);
        }

        await EnsureBridgeAsync(podCidr, cancellationToken).ConfigureAwait(false);
        await EnsureUnreachableAsync(podCidr, clusterCidr, cancellationToken).ConfigureAwait(false);
        await EnsureServiceRangeAsync(serviceCidr, clusterDns, cancellationToken).ConfigureAwait(false);
        await EnsureMasqueradeAsync(podCidr, clusterCidr, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The nftables table that masquerades this node's pods.</summary>
    public string MasqueradeTable => "skiff_pods_" + BridgeName[3..];

    /// <summary>
    /// The ruleset that masquerades traffic from this node's pods leaving the pod range (to hosts and the outside), but
    /// not traffic to other nodes' pods, which the host-gateway routes carry with the pod's own address (as flannel's
    /// ip-masq rules do). The table is replaced whole, so a changed pod CIDR leaves no old rule behind.
    /// </summary>
    public static string MasqueradeRules(string table, string podCidr, string clusterCidr) =>
        $"table ip {table}\n" +
        $"delete table ip {table}\n" +
        $"table ip {table} {{\n" +
        "  chain postrouting {\n" +
        "    type nat hook postrouting priority 100; policy accept;\n" +
        $"    ip saddr {podCidr} ip daddr != {clusterCidr} masquerade\n" +
        "  }\n" +
        "}\n";

    private async Task EnsureMasqueradeAsync(string podCidr, string clusterCidr, CancellationToken cancellationToken)
    {
        if (!IPNetwork.TryParse(podCidr, out _) || !IPNetwork.TryParse(clusterCidr, out _))
        {
            Log.HostSetupFailed(logger, "masquerade", $"pod CIDR {podCidr} or cluster CIDR {clusterCidr} is not a CIDR; pods are not masqueraded");
            return;
        }

        var file = Path.Combine(paths.Root, "pod-masquerade.nft");
        await File.WriteAllTextAsync(file, MasqueradeRules(MasqueradeTable, podCidr, clusterCidr), cancellationToken).ConfigureAwait(false);
        var (code, output) = await Command.RunAsync("nft", ["-f", file], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            Log.HostSetupFailed(logger, $"nft -f {file}", output);
        }
    }

    private async Task EnsureBridgeAsync(string podCidr, CancellationToken cancellationToken)
    {
        var (exists, _) = await Command.RunAsync("ip", ["link", "show", BridgeName], cancellationToken).ConfigureAwait(false);
        if (exists != 0)
        {
            var (code, output) = await Command.RunAsync("ip", ["link", "add", "name", BridgeName, "type", "bridge"], cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                Log.HostSetupFailed(logger, $"ip link add {BridgeName}", output);
            }
        }

        await Command.RunAsync("ip", ["link", "set", BridgeName, "up"], cancellationToken).ConfigureAwait(false);
        var (sysctl, sysctlOutput) = await Command.RunAsync("sysctl", ["-w", $"net.ipv4.conf.{BridgeName}.route_localnet=1"], cancellationToken).ConfigureAwait(false);
        if (sysctl != 0)
        {
            Log.HostSetupFailed(logger, "sysctl route_localnet", sysctlOutput);
        }

        Log.NetworkReady(logger, BridgeName, podCidr);
    }

    // The Service range goes to the pod bridge, as DESIGN §4 asks: the node's own connections to ClusterIPs need a route
    // for the proxy's NAT to see them, and a packet no rule translates stays on the machine instead of leaving by the
    // default route. The cluster DNS address lives on the loopback device (the CNI bridge plugin refuses a bridge that
    // already carries another address), so the node's DNS server can listen on it and pods reach it through their gateway.
    private async Task EnsureServiceRangeAsync(string serviceCidr, string clusterDns, CancellationToken cancellationToken)
    {
        if (!IPNetwork.TryParse(serviceCidr, out var services) || services.PrefixLength < 9)
        {
            Log.HostSetupFailed(logger, "service route", $"service CIDR {serviceCidr} is not a CIDR narrower than /9; not routed");
            return;
        }

        var (code, output) = await Command.RunAsync("ip", ["route", "replace", serviceCidr, "dev", BridgeName], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            Log.HostSetupFailed(logger, $"ip route replace {serviceCidr} dev {BridgeName}", output);
        }

        if (IPAddress.TryParse(clusterDns, out var dns) && services.Contains(dns))
        {
            var (addCode, addOutput) = await Command.RunAsync("ip", ["addr", "replace", clusterDns + "/32", "dev", "lo"], cancellationToken).ConfigureAwait(false);
            if (addCode != 0)
            {
                Log.HostSetupFailed(logger, $"ip addr replace {clusterDns}/32 dev lo", addOutput);
            }
        }
    }

    private async Task EnsureUnreachableAsync(string podCidr, string clusterCidr, CancellationToken cancellationToken)
    {
        if (!IPNetwork.TryParse(clusterCidr, out var cluster) || !IPNetwork.TryParse(podCidr, out var pods) || cluster.PrefixLength >= pods.PrefixLength || cluster.PrefixLength < 9)
        {
            // No safety net when it could not be shorter than the bridge route, or would cover 10.0.0.0/8.
            Log.HostSetupFailed(logger, "unreachable route", $"cluster CIDR {clusterCidr} does not contain node CIDR {podCidr} with a shorter prefix; no unreachable route added");
            return;
        }

        var (code, output) = await Command.RunAsync("ip", ["route", "replace", "unreachable", clusterCidr], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            Log.HostSetupFailed(logger, $"ip route replace unreachable {clusterCidr}", output);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PodNetworkReady", Level = LogLevel.Information, Message = "pod network: bridge {Bridge}, pod CIDR {PodCidr}")]
        public static partial void NetworkReady(ILogger logger, string bridge, string podCidr);

        [LoggerMessage(EventId = 2, EventName = "PodNetworkHostSetupFailed", Level = LogLevel.Warning, Message = "pod network set-up step '{Step}' failed: {Output}")]
        public static partial void HostSetupFailed(ILogger logger, string step, string output);
    }
}
