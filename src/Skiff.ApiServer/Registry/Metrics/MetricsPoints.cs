namespace Skiff.ApiServer.Registry.Metrics;

/// <summary>One cumulative CPU reading (core-seconds) and the memory working set, taken at <paramref name="Time"/>.</summary>
internal sealed record MetricsPoint(DateTimeOffset Time, double CpuSeconds, ulong MemoryBytes, DateTimeOffset? StartTime = null);

/// <summary>What one scrape of a node's /metrics/resource gave: the node's point and each container's, by pod (namespace, name).</summary>
internal sealed record NodeScrape(MetricsPoint? Node, IReadOnlyDictionary<(string Namespace, string Pod), IReadOnlyDictionary<string, MetricsPoint>> Pods)
{
    /// <summary>
    /// Reads kubelet's resource metrics (node_* and container_* families, labels container/namespace/pod), keeping
    /// only points with both CPU and memory; samples without a timestamp take <paramref name="scrapedAt"/>.
    /// </summary>
    public static NodeScrape From(IEnumerable<PrometheusSample> samples, DateTimeOffset scrapedAt)
    {
        (double Cpu, DateTimeOffset Time)? nodeCpu = null;
        double? nodeMemory = null;
        var cpu = new Dictionary<(string, string, string), (double, DateTimeOffset)>();
        var memory = new Dictionary<(string, string, string), double>();
        var start = new Dictionary<(string, string, string), double>();
        foreach (var sample in samples)
        {
            var time = sample.TimestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : scrapedAt;
            switch (sample.Name)
            {
                case "node_cpu_usage_seconds_total":
                    nodeCpu = (sample.Value, time);
                    break;
                case "node_memory_working_set_bytes":
                    nodeMemory = sample.Value;
                    break;
                case "container_cpu_usage_seconds_total" when Key(sample) is { } key:
                    cpu[key] = (sample.Value, time);
                    break;
                case "container_memory_working_set_bytes" when Key(sample) is { } key:
                    memory[key] = sample.Value;
                    break;
                case "container_start_time_seconds" when Key(sample) is { } key:
                    start[key] = sample.Value;
                    break;
            }
        }

        var pods = new Dictionary<(string, string), Dictionary<string, MetricsPoint>>();
        foreach (var (key, (cpuSeconds, time)) in cpu)
        {
            if (!memory.TryGetValue(key, out var bytes) || !Valid(cpuSeconds) || !Valid(bytes))
            {
                continue;
            }

            var (ns, pod, container) = key;
            if (!pods.TryGetValue((ns, pod), out var containers))
            {
                pods[(ns, pod)] = containers = new Dictionary<string, MetricsPoint>(StringComparer.Ordinal);
            }

            DateTimeOffset? started = start.TryGetValue(key, out var s) && Valid(s) ? DateTimeOffset.FromUnixTimeMilliseconds((long)(s * 1000)) : null;
            containers[container] = new MetricsPoint(time, cpuSeconds, (ulong)bytes, started);
        }

        var node = nodeCpu is { } n && nodeMemory is { } m && Valid(n.Cpu) && Valid(m) ? new MetricsPoint(n.Time, n.Cpu, (ulong)m) : null;
        return new NodeScrape(node, pods.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, MetricsPoint>)p.Value));
    }

    private static (string, string, string)? Key(PrometheusSample sample) =>
        sample.Labels.TryGetValue("namespace", out var ns) && sample.Labels.TryGetValue("pod", out var pod) && sample.Labels.TryGetValue("container", out var container)
            && ns.Length > 0 && pod.Length > 0 && container.Length > 0
            ? (ns, pod, container)
            : null;

    private static bool Valid(double value) => double.IsFinite(value) && value >= 0;
}

/// <summary>A usage figure as the metrics API serves it: CPU in nanocores, memory in bytes, over a window ending at a timestamp.</summary>
internal sealed record Usage(DateTimeOffset Timestamp, TimeSpan Window, long NanoCores, long MemoryBytes)
{
    /// <summary>
    /// The usage between two points, as metrics-server computes it: CPU = Δcore-seconds / Δtime, memory = the later
    /// working set. Null when the points do not form a window (same or reversed time, counter reset, restarted container).
    /// </summary>
    public static Usage? Between(MetricsPoint? previous, MetricsPoint last)
    {
        if (previous is null || last.Time <= previous.Time || last.CpuSeconds < previous.CpuSeconds
            || (previous.StartTime is { } a && last.StartTime is { } b && a != b))
        {
            return null;
        }

        var window = last.Time - previous.Time;
        var nanoCores = (last.CpuSeconds - previous.CpuSeconds) / window.TotalSeconds * 1e9;
        return new Usage(last.Time, window, (long)Math.Round(nanoCores), (long)last.MemoryBytes);
    }
}
