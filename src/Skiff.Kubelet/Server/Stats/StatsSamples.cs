namespace Skiff.Kubelet.Server.Stats;

/// <summary>CPU figures of one cgroup or the node (the Summary API's CPUStats): cumulative core-nanoseconds and, when an earlier sample exists, the rate in nanocores.</summary>
internal sealed record CpuSample(DateTimeOffset Time, ulong UsageCoreNanoSeconds, ulong? UsageNanoCores = null);

/// <summary>Memory figures of one cgroup or the node (the Summary API's MemoryStats); working set = usage − inactive file pages, as kubelet computes it.</summary>
internal sealed record MemorySample(DateTimeOffset Time, ulong UsageBytes, ulong WorkingSetBytes, ulong RssBytes, ulong PageFaults, ulong MajorPageFaults, ulong? AvailableBytes = null);

/// <summary>A filesystem's capacity and use (the Summary API's FsStats).</summary>
internal sealed record FsSample(DateTimeOffset Time, ulong CapacityBytes, ulong AvailableBytes, ulong UsedBytes);

/// <summary>One running container's figures.</summary>
internal sealed record ContainerStatsSample(string Name, DateTimeOffset StartTime, CpuSample? Cpu, MemorySample? Memory);

/// <summary>One pod's figures: the pod cgroup's and each running container's.</summary>
internal sealed record PodStatsSample(string Name, string Namespace, string Uid, DateTimeOffset StartTime, IReadOnlyList<ContainerStatsSample> Containers, CpuSample? Cpu, MemorySample? Memory);

/// <summary>The node's figures.</summary>
internal sealed record NodeStatsSample(string NodeName, DateTimeOffset StartTime, CpuSample? Cpu, MemorySample? Memory, FsSample? Fs);

/// <summary>What /stats/summary and /metrics/resource report: the node and its pods at one moment.</summary>
internal sealed record StatsSummary(NodeStatsSample Node, IReadOnlyList<PodStatsSample> Pods);
