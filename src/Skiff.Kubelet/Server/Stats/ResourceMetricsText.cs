using System.Globalization;
using System.Text;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>
/// Writes a <see cref="StatsSummary"/> as kubelet's resource metrics endpoint (<c>/metrics/resource</c>, Prometheus
/// text format 0.0.4): the metric names, help texts and labels (container, namespace, pod) kubelet uses, each sample
/// with its collection time in milliseconds, which is what metrics-server computes CPU rates from.
/// </summary>
internal static class ResourceMetricsText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(StatsSummary summary)
    {
        var text = new StringBuilder();
        var node = summary.Node;
        var containers = summary.Pods.SelectMany(p => p.Containers.Select(c => (Pod: p, Container: c))).ToList();

        Family(text, "container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", "counter",
            containers.Where(x => x.Container.Cpu is not null).Select(x => (ContainerLabels(x.Pod, x.Container), Seconds(x.Container.Cpu!.UsageCoreNanoSeconds), x.Container.Cpu!.Time)));
        Family(text, "container_memory_working_set_bytes", "Current working set of the container in bytes", "gauge",
            containers.Where(x => x.Container.Memory is not null).Select(x => (ContainerLabels(x.Pod, x.Container), (double)x.Container.Memory!.WorkingSetBytes, x.Container.Memory!.Time)));
        Family(text, "container_start_time_seconds", "Start time of the container since unix epoch in seconds", "gauge",
            containers.Select(x => (ContainerLabels(x.Pod, x.Container), x.Container.StartTime.ToUnixTimeMilliseconds() / 1000.0, x.Container.StartTime)));
        Family(text, "node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds", "counter",
            node.Cpu is { } cpu ? [("", Seconds(cpu.UsageCoreNanoSeconds), cpu.Time)] : []);
        Family(text, "node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge",
            node.Memory is { } memory ? [("", (double)memory.WorkingSetBytes, memory.Time)] : []);
        Family(text, "pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds", "counter",
            summary.Pods.Where(p => p.Cpu is not null).Select(p => (PodLabels(p), Seconds(p.Cpu!.UsageCoreNanoSeconds), p.Cpu!.Time)));
        Family(text, "pod_memory_working_set_bytes", "Current working set of the pod in bytes", "gauge",
            summary.Pods.Where(p => p.Memory is not null).Select(p => (PodLabels(p), (double)p.Memory!.WorkingSetBytes, p.Memory!.Time)));
        text.Append("# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n");
        text.Append("# TYPE resource_scrape_error gauge\n");
        text.Append("resource_scrape_error 0\n");
        return text.ToString();
    }

    private static void Family(StringBuilder text, string name, string help, string type, IEnumerable<(string Labels, double Value, DateTimeOffset Time)> samples)
    {
        text.Append("# HELP ").Append(name).Append(" [STABLE] ").Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (labels, value, time) in samples)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture))
                .Append(' ').Append(time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static double Seconds(ulong nanoseconds) => nanoseconds / 1e9;

    private static string ContainerLabels(PodStatsSample pod, ContainerStatsSample container) =>
        $"container=\"{Escape(container.Name)}\",namespace=\"{Escape(pod.Namespace)}\",pod=\"{Escape(pod.Name)}\"";

    private static string PodLabels(PodStatsSample pod) => $"namespace=\"{Escape(pod.Namespace)}\",pod=\"{Escape(pod.Name)}\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
