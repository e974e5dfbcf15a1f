using Skiff.Proxy.Rules;

namespace Skiff.Proxy.Conntrack;

/// <summary>
/// Which UDP connection-tracking entries must go after a rule change, as kube-proxy decides it: UDP has no connection
/// to close, so a client that keeps sending from the same port would stay pinned by its conntrack entry to an endpoint
/// that no longer exists, or to the REJECT of a Service that had none. Pure: compares two rule sets and returns the
/// <c>conntrack</c> argument lists, in a stable order.
/// </summary>
internal static class ConntrackCleanup
{
    /// <summary>
    /// Entries to delete after going from <paramref name="before"/> to <paramref name="after"/>: for every UDP port,
    /// the flows DNATed to an endpoint that is no longer used (to the cluster IP, external addresses and node port), and
    /// the flows to a Service that had no endpoints and now has some (they were rejected and would stay so).
    /// </summary>
    public static IReadOnlyList<string[]> Plan(ProxyRuleSet? before, ProxyRuleSet after)
    {
        var plan = new List<string[]>();
        if (before is null)
        {
            return plan;
        }

        var now = after.Ports.Where(p => p.Protocol == "udp").ToDictionary(p => p.Id);
        foreach (var old in before.Ports.Where(p => p.Protocol == "udp"))
        {
            now.TryGetValue(old.Id, out var current);
            var remaining = current is null
                ? new HashSet<string>()
                : current.ClusterEndpoints.Concat(current.ExternalEndpoints).Select(Key).ToHashSet();
            foreach (var gone in old.ClusterEndpoints.Concat(old.ExternalEndpoints).Where(e => !remaining.Contains(Key(e))).Select(e => e.Address).Distinct().Order(StringComparer.Ordinal))
            {
                foreach (var address in Addresses(old))
                {
                    plan.Add(["-D", "-p", "udp", "--orig-dst", address, "--dst-nat", gone]);
                }

                if (old.NodePort != 0)
                {
                    plan.Add(["-D", "-p", "udp", "--orig-port-dst", old.NodePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dst-nat", gone]);
                }
            }
        }

        var had = before.Ports.Where(p => p.Protocol == "udp").ToDictionary(p => p.Id);
        foreach (var current in after.Ports.Where(p => p.Protocol == "udp" && !p.HasNoEndpoints))
        {
            if (had.TryGetValue(current.Id, out var old) && old.HasNoEndpoints)
            {
                foreach (var address in Addresses(current))
                {
                    plan.Add(["-D", "-p", "udp", "--orig-dst", address]);
                }

                if (current.NodePort != 0)
                {
                    plan.Add(["-D", "-p", "udp", "--orig-port-dst", current.NodePort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                }
            }
        }

        return plan;
    }

    private static IEnumerable<string> Addresses(ServicePortRule port) => [port.ClusterIP, .. port.ExternalAddresses];

    private static string Key(ProxyEndpoint e) => $"{e.Address}:{e.Port}";
}
