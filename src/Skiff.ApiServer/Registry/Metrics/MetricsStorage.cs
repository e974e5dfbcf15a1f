namespace Skiff.ApiServer.Registry.Metrics;

/// <summary>
/// The last two scrapes of every node, from which the metrics API computes usage (metrics-server's storage): a new
/// scrape moves each node's and container's last point to "previous" and keeps the new one as "last". Containers
/// and pods missing from a node's newest scrape are gone. Thread-safe.
/// </summary>
internal sealed class MetricsStorage
{
    private readonly Lock _lock = new();
    private Dictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);

    /// <summary>One container's usage, for PodMetrics.</summary>
    public sealed record ContainerUsage(string Name, Usage Usage);

    /// <summary>Records a node's newest scrape.</summary>
    public void Store(string nodeName, NodeScrape scrape)
    {
        lock (_lock)
        {
            var old = _nodes.GetValueOrDefault(nodeName);
            var pods = new Dictionary<(string, string), Dictionary<string, (MetricsPoint?, MetricsPoint)>>();
            foreach (var (pod, containers) in scrape.Pods)
            {
                var oldPod = old?.Pods.GetValueOrDefault(pod);
                var merged = new Dictionary<string, (MetricsPoint?, MetricsPoint)>(StringComparer.Ordinal);
                foreach (var (name, point) in containers)
                {
                    merged[name] = Advance(oldPod is not null && oldPod.TryGetValue(name, out var pair) ? pair : null, point);
                }

                pods[pod] = merged;
            }

            (MetricsPoint?, MetricsPoint)? node = scrape.Node is { } n ? Advance(old?.Node, n) : null;
            _nodes = new Dictionary<string, NodeEntry>(_nodes, StringComparer.Ordinal) { [nodeName] = new NodeEntry(node, pods) };
        }
    }

    /// <summary>Drops every node not in <paramref name="keep"/> (deleted, not ready, or failed to answer).</summary>
    public void Retain(IReadOnlySet<string> keep)
    {
        lock (_lock)
        {
            _nodes = _nodes.Where(n => keep.Contains(n.Key)).ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal);
        }
    }

    /// <summary>The node's usage, or null while it has fewer than two usable points.</summary>
    public Usage? Node(string name)
    {
        var nodes = _nodes;
        return nodes.TryGetValue(name, out var entry) && entry.Node is { } pair ? Usage.Between(pair.Previous, pair.Last) : null;
    }

    /// <summary>
    /// The pod's containers' usage, or null unless every container the node reported for it has a usage (as
    /// metrics-server leaves out pods with a container still missing its second point).
    /// </summary>
    public IReadOnlyList<ContainerUsage>? Pod(string ns, string name)
    {
        foreach (var entry in _nodes.Values)
        {
            if (!entry.Pods.TryGetValue((ns, name), out var containers))
            {
                continue;
            }

            var result = new List<ContainerUsage>();
            foreach (var (container, pair) in containers.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (Usage.Between(pair.Previous, pair.Last) is not { } usage)
                {
                    return null;
                }

                result.Add(new ContainerUsage(container, usage));
            }

            return result.Count > 0 ? result : null;
        }

        return null;
    }

    private static (MetricsPoint? Previous, MetricsPoint Last) Advance((MetricsPoint? Previous, MetricsPoint Last)? old, MetricsPoint point)
    {
        if (old is not { } pair)
        {
            return (null, point);
        }

        // The same sample scraped again (kubelet had not re-read the cgroup) does not make a window.
        return point.Time > pair.Last.Time ? (pair.Last, point) : pair;
    }

    private sealed record NodeEntry((MetricsPoint? Previous, MetricsPoint Last)? Node, Dictionary<(string, string), Dictionary<string, (MetricsPoint? Previous, MetricsPoint Last)>> Pods);
}
