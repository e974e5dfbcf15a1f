using System.Security.Cryptography;
using System.Text;
using Skiff.Proxy.Rules;

namespace Skiff.Proxy.Nft;

/// <summary>
/// Renders a <see cref="ProxyRuleSet"/> as one `nft -f` transaction that deletes and recreates the table
/// `ip skiff`, so the kernel swaps the whole rule set atomically. The layout follows kube-proxy's nftables mode:
/// a verdict map from (address, protocol, port) to per-service chains, numgen random balancing into per-endpoint
/// chains that DNAT, a packet mark for masquerading (hairpin, off-cluster and node-port traffic) and filter
/// chains that reject traffic to services without endpoints.
/// </summary>
internal static class NftRenderer
{
    /// <summary>The table every rule lives in.</summary>
    public const string TableName = "skiff";

    /// <summary>Packet mark bit that asks the postrouting chain to masquerade (kube-proxy uses the same bit).</summary>
    public const string MasqueradeMark = "0x00004000";

    /// <summary>A transaction that removes the table if it exists (used on exit).</summary>
    public static string RenderDelete() => $"add table ip {TableName}\ndelete table ip {TableName}\n";

    public static string Render(ProxyRuleSet rules)
    {
        var sb = new StringBuilder(256 + rules.Ports.Length * 512);

        // "add" first so that "delete" cannot fail on a fresh machine; all three lines are one transaction.
        sb.Append(RenderDelete());
        sb.Append($"table ip {TableName} {{\n");

        AppendBaseChains(sb, rules);

        var serviceIps = new List<string>();
        var nodePorts = new List<string>();
        var noEndpointServices = new List<string>();
        var noEndpointNodePorts = new List<string>();
        foreach (var port in rules.Ports)
        {
            var proto = port.Protocol;
            if (port.HasNoEndpoints)
            {
                // No endpoint anywhere: kube-proxy REJECTs (ICMP port unreachable) so clients fail fast.
                noEndpointServices.Add($"{port.ClusterIP} . {proto} . {port.Port} : goto reject-chain");
                noEndpointServices.AddRange(port.ExternalAddresses.Select(a => $"{a} . {proto} . {port.Port} : goto reject-chain"));
                if (port.NodePort != 0)
                {
                    noEndpointNodePorts.Add($"{proto} . {port.NodePort} : goto reject-chain");
                }

                continue;
            }

            var serviceChain = ChainName("service", port);
            var externalChain = ChainName("external", port);
            serviceIps.Add($"{port.ClusterIP} . {proto} . {port.Port} : goto {serviceChain}");
            serviceIps.AddRange(port.ExternalAddresses.Select(a => $"{a} . {proto} . {port.Port} : goto {externalChain}"));
            if (port.NodePort != 0)
            {
                nodePorts.Add($"{proto} . {port.NodePort} : goto {externalChain}");
            }

            AppendServiceChains(sb, rules, port, serviceChain, externalChain);
        }

        AppendMap(sb, "service-ips", "ipv4_addr . inet_proto . inet_service : verdict", serviceIps);
        AppendMap(sb, "service-nodeports", "inet_proto . inet_service : verdict", nodePorts);
        AppendMap(sb, "no-endpoint-services", "ipv4_addr . inet_proto . inet_service : verdict", noEndpointServices);
        AppendMap(sb, "no-endpoint-nodeports", "inet_proto . inet_service : verdict", noEndpointNodePorts);
        sb.Append("}\n");
        return sb.ToString();
    }

    private static void AppendBaseChains(StringBuilder sb, ProxyRuleSet rules)
    {
        // Node ports answer on the node's own addresses; without known addresses any local address (not loopback:
        // DNAT of 127.0.0.1 would need route_localnet) does.
        string nodePortMatch;
        if (rules.NodeAddresses.IsEmpty)
        {
            nodePortMatch = "fib daddr type local ip daddr != 127.0.0.0/8";
        }
        else
        {
            sb.Append($"\tset nodeport-ips {{\n\t\ttype ipv4_addr\n\t\telements = {{ {string.Join(", ", rules.NodeAddresses)} }}\n\t}}\n\n");
            nodePortMatch = "ip daddr @nodeport-ips";
        }

        sb.Append(
            "\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t\tjump services\n\t}\n\n" +
            // nft 1.0.6 rejects the "dstnat" keyword on the output hook: spell the priority out.
            "\tchain nat-output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tjump services\n\t}\n\n" +
            "\tchain nat-postrouting {\n\t\ttype nat hook postrouting priority 100; policy accept;\n\t\tjump masquerading\n\t}\n\n" +
            "\tchain filter-input {\n\t\ttype filter hook input priority -10; policy accept;\n\t\tct state new jump endpoints-check\n\t}\n\n" +
            "\tchain filter-forward {\n\t\ttype filter hook forward priority -10; policy accept;\n\t\tct state new jump endpoints-check\n\t}\n\n" +
            "\tchain filter-output {\n\t\ttype filter hook output priority -10; policy accept;\n\t\tct state new jump endpoints-check\n\t}\n\n" +
            "\tchain endpoints-check {\n" +
            "\t\tip daddr . meta l4proto . th dport vmap @no-endpoint-services\n" +
            $"\t\t{nodePortMatch} meta l4proto . th dport vmap @no-endpoint-nodeports\n\t}}\n\n" +
            "\tchain reject-chain {\n\t\treject\n\t}\n\n" +
            $"\tchain mark-for-masquerade {{\n\t\tmeta mark set meta mark or {MasqueradeMark}\n\t}}\n\n" +
            "\tchain masquerading {\n" +
            $"\t\tmeta mark & {MasqueradeMark} == 0 return\n" +
            $"\t\tmeta mark set meta mark xor {MasqueradeMark}\n" +
            "\t\tmasquerade fully-random\n\t}\n\n" +
            "\tchain services {\n" +
            "\t\tip daddr . meta l4proto . th dport vmap @service-ips\n" +
            $"\t\t{nodePortMatch} meta l4proto . th dport vmap @service-nodeports\n\t}}\n\n");
    }

    private static void AppendServiceChains(StringBuilder sb, ProxyRuleSet rules, ServicePortRule port, string serviceChain, string externalChain)
    {
        var endpoints = port.ClusterEndpoints.Union(port.ExternalEndpoints).Distinct().ToList();

        // Traffic to the cluster IP.
        sb.Append($"\tchain {serviceChain} {{\n");
        if (rules.ClusterCidr is not null)
        {
            // Off-cluster sources (the node itself, other hosts) are masqueraded so replies come back through us.
            sb.Append($"\t\tip daddr {port.ClusterIP} {port.Protocol} dport {port.Port} ip saddr != {rules.ClusterCidr} jump mark-for-masquerade\n");
        }

        AppendBalancing(sb, port, port.ClusterEndpoints);
        sb.Append("\t}\n\n");

        if (port.HasExternal)
        {
            // Node-port, load-balancer and external-IP traffic.
            sb.Append($"\tchain {externalChain} {{\n");
            if (port.ExternalLocal)
            {
                // Local policy keeps the client address, so no masquerade, except for traffic that starts on this
                // node or in a pod, which may use any endpoint (kube-proxy short-circuits it to the cluster chain).
                if (rules.ClusterCidr is not null)
                {
                    sb.Append($"\t\tip saddr {rules.ClusterCidr} goto {serviceChain}\n");
                }

                sb.Append("\t\tfib saddr type local jump mark-for-masquerade\n");
                sb.Append($"\t\tfib saddr type local goto {serviceChain}\n");
                AppendBalancing(sb, port, port.ExternalEndpoints);
            }
            else
            {
                sb.Append("\t\tjump mark-for-masquerade\n");
                sb.Append($"\t\tgoto {serviceChain}\n");
            }

            sb.Append("\t}\n\n");
        }

        foreach (var endpoint in endpoints)
        {
            var chain = EndpointChainName(port, endpoint);
            sb.Append($"\tchain {chain} {{\n");

            // Hairpin: a pod reaching itself through the Service must see the reply come from the service address.
            sb.Append($"\t\tip saddr {endpoint.Address} jump mark-for-masquerade\n");
            if (port.AffinitySeconds > 0)
            {
                sb.Append($"\t\tupdate @{AffinitySetName(port, endpoint)} {{ ip saddr }}\n");
            }

            sb.Append($"\t\tmeta l4proto {port.Protocol} dnat to {endpoint.Address}:{endpoint.Port}\n\t}}\n\n");
            if (port.AffinitySeconds > 0)
            {
                sb.Append($"\tset {AffinitySetName(port, endpoint)} {{\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t\ttimeout {port.AffinitySeconds}s\n\t}}\n\n");
            }
        }
    }

    private static void AppendBalancing(StringBuilder sb, ServicePortRule port, IReadOnlyList<ProxyEndpoint> endpoints)
    {
        if (endpoints.Count == 0)
        {
            // Endpoints exist, but none this policy may use (Local with no local endpoint): kube-proxy drops.
            sb.Append("\t\tdrop\n");
            return;
        }

        if (port.AffinitySeconds > 0)
        {
            // A client seen recently sticks to the endpoint it used.
            foreach (var endpoint in endpoints)
            {
                sb.Append($"\t\tip saddr @{AffinitySetName(port, endpoint)} goto {EndpointChainName(port, endpoint)}\n");
            }
        }

        sb.Append($"\t\tnumgen random mod {endpoints.Count} vmap {{ ");
        sb.AppendJoin(", ", endpoints.Select((e, i) => $"{i} : goto {EndpointChainName(port, e)}"));
        sb.Append(" }\n");
    }

    private static void AppendMap(StringBuilder sb, string name, string type, List<string> elements)
    {
        // Two Services may claim the same address:port (an externalIP given to both, a load-balancer address shared
        // by ports): nft refuses a map with a duplicate key and the whole transaction with it, so the first Service
        // in the model's order keeps the key, as the first kube-proxy rule to match would.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        elements = [.. elements.Where(e => seen.Add(e[..e.IndexOf(" : ", StringComparison.Ordinal)]))];
        sb.Append($"\tmap {name} {{\n\t\ttype {type}\n");
        if (elements.Count > 0)
        {
            sb.Append("\t\telements = {\n\t\t\t");
            sb.AppendJoin(",\n\t\t\t", elements);
            sb.Append("\n\t\t}\n");
        }

        sb.Append("\t}\n\n");
    }

    // kube-proxy's naming: a short hash keeps names unique even when sanitising would collide, and the readable
    // suffix tells a person which Service a chain belongs to.
    internal static string ChainName(string prefix, ServicePortRule port) => $"{prefix}-{Hash(port.Id)}-{Sanitize(port.Id)}";

    internal static string EndpointChainName(ServicePortRule port, ProxyEndpoint endpoint)
    {
        var id = $"{port.Id}__{endpoint.Address}/{endpoint.Port}";
        return $"endpoint-{Hash(id)}-{Sanitize(id)}";
    }

    private static string AffinitySetName(ServicePortRule port, ProxyEndpoint endpoint)
    {
        var id = $"{port.Id}__{endpoint.Address}/{endpoint.Port}";
        return $"affinity-{Hash(id)}-{Sanitize(id)}";
    }

    private static string Hash(string id)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var sb = new StringBuilder(8);
        ulong bits = BitConverter.ToUInt64(digest, 0);
        for (var i = 0; i < 8; i++)
        {
            sb.Append(alphabet[(int)(bits & 31)]);
            bits >>= 5;
        }

        return sb.ToString();
    }

    // nft identifiers allow letters, digits and / \ _ . - ; Kubernetes names are DNS labels, so only an empty port
    // name needs care (a trailing "/" is fine, but keep names readable).
    private static string Sanitize(string id)
    {
        var name = id.EndsWith('/') ? id + "-" : id;
        return name.Length > 200 ? name[..200] : name;
    }
}
