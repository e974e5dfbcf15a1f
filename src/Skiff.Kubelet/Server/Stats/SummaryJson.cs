using System.Text.Json;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>Writes a <see cref="StatsSummary"/> as kubelet's Summary API (stats/v1alpha1, <c>/stats/summary</c>).</summary>
internal static class SummaryJson
{
    public static byte[] Serialize(StatsSummary summary)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("node");
            var node = summary.Node;
            json.WriteString("nodeName", node.NodeName);
            json.WriteStartArray("systemContainers");
            json.WriteEndArray();
            json.WriteString("startTime", Time(node.StartTime));
            Cpu(json, node.Cpu);
            Memory(json, node.Memory);
            if (node.Fs is { } fs)
            {
                json.WriteStartObject("fs");
                json.WriteString("time", Time(fs.Time));
                json.WriteNumber("availableBytes", fs.AvailableBytes);
                json.WriteNumber("capacityBytes", fs.CapacityBytes);
                json.WriteNumber("usedBytes", fs.UsedBytes);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartArray("pods");
            foreach (var pod in summary.Pods)
            {
                json.WriteStartObject();
                json.WriteStartObject("podRef");
                json.WriteString("name", pod.Name);
                json.WriteString("namespace", pod.Namespace);
                json.WriteString("uid", pod.Uid);
                json.WriteEndObject();
                json.WriteString("startTime", Time(pod.StartTime));
                json.WriteStartArray("containers");
                foreach (var container in pod.Containers)
                {
                    json.WriteStartObject();
                    json.WriteString("name", container.Name);
                    json.WriteString("startTime", Time(container.StartTime));
                    Cpu(json, container.Cpu);
                    Memory(json, container.Memory);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                Cpu(json, pod.Cpu);
                Memory(json, pod.Memory);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Cpu(Utf8JsonWriter json, CpuSample? cpu)
    {
        if (cpu is null)
        {
            return;
        }

        json.WriteStartObject("cpu");
        json.WriteString("time", Time(cpu.Time));
        if (cpu.UsageNanoCores is { } rate)
        {
            json.WriteNumber("usageNanoCores", rate);
        }

        json.WriteNumber("usageCoreNanoSeconds", cpu.UsageCoreNanoSeconds);
        json.WriteEndObject();
    }

    private static void Memory(Utf8JsonWriter json, MemorySample? memory)
    {
        if (memory is null)
        {
            return;
        }

        json.WriteStartObject("memory");
        json.WriteString("time", Time(memory.Time));
        if (memory.AvailableBytes is { } available)
        {
            json.WriteNumber("availableBytes", available);
        }

        json.WriteNumber("usageBytes", memory.UsageBytes);
        json.WriteNumber("workingSetBytes", memory.WorkingSetBytes);
        json.WriteNumber("rssBytes", memory.RssBytes);
        json.WriteNumber("pageFaults", memory.PageFaults);
        json.WriteNumber("majorPageFaults", memory.MajorPageFaults);
        json.WriteEndObject();
    }

    /// <summary>metav1.Time: RFC 3339 in UTC with whole seconds.</summary>
    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
