namespace Skiff.Kubelet.Eviction;

/// <summary>What was observed of one signal (kubelet's signalObservation): how much is available of how much, and when.</summary>
internal sealed record SignalObservation(long Available, long Capacity, DateTimeOffset Time);

/// <summary>
/// One pod's use of the resources eviction ranks by (kubelet's pod stats from the Summary API).
/// </summary>
/// <param name="MemoryWorkingSet">The pod cgroup's working set, or null when unknown.</param>
/// <param name="ContainerMemory">Working set per container name.</param>
/// <param name="ContainerDisk">Local disk per container name: its writable layer and its logs.</param>
/// <param name="VolumeDisk">Local disk of the pod's disk-backed emptyDir volumes.</param>
/// <param name="EmptyDirUsage">Usage per disk-backed emptyDir volume name (for sizeLimit eviction).</param>
/// <param name="Inodes">Inodes the pod's logs and local volumes use.</param>
/// <param name="Processes">Processes (tasks) in the pod's cgroup, or null when unknown.</param>
internal sealed record PodUsage(
    long? MemoryWorkingSet,
    IReadOnlyDictionary<string, long> ContainerMemory,
    IReadOnlyDictionary<string, long> ContainerDisk,
    long VolumeDisk,
    IReadOnlyDictionary<string, long> EmptyDirUsage,
    long Inodes,
    long? Processes)
{
    /// <summary>The pod's local ephemeral storage: its containers' plus its local volumes'.</summary>
    public long Disk => ContainerDisk.Values.Sum() + VolumeDisk;
}

/// <summary>One observation of the node's signals and its pods' usage (by pod UID).</summary>
/// <param name="DedicatedImageFs">Whether the runtime's images are on another filesystem than the agent's root (kubelet's HasDedicatedImageFs).</param>
internal sealed record EvictionStats(IReadOnlyDictionary<string, SignalObservation> Signals, IReadOnlyDictionary<string, PodUsage> Pods, bool DedicatedImageFs);

/// <summary>Where the eviction manager gets its observations (kubelet's summary provider).</summary>
internal interface IEvictionStatsSource
{
    /// <summary>Observes the node's signals and the usage of <paramref name="pods"/>.</summary>
    Task<EvictionStats> CollectAsync(IReadOnlyList<k8s.Models.V1Pod> pods, CancellationToken cancellationToken);
}

/// <summary>A request to evict one pod, handed to its pod worker (kubelet's killPodFunc with a status function).</summary>
/// <param name="Message">The pod status message (and the Evicted event's).</param>
/// <param name="GracePeriodSeconds">The grace period its containers get.</param>
/// <param name="DisruptionTarget">Whether to add the DisruptionTarget condition (reason TerminationByKubelet), as for pressure evictions.</param>
/// <param name="Rejected">The pod was refused admission and never started: its status carries no container statuses and
/// the message gets kubelet's <c>Pod was rejected: </c> prefix.</param>
internal sealed record PodEviction(string Message, long GracePeriodSeconds, bool DisruptionTarget, bool Rejected = false)
{
    /// <summary>The pod status reason of an evicted pod.</summary>
    public const string Reason = "Evicted";

    public const string DisruptionTargetCondition = "DisruptionTarget";
    public const string TerminationByKubelet = "TerminationByKubelet";
}

/// <summary>The pods the eviction manager may evict, and how it evicts one (the kubelet's pod manager and workers).</summary>
internal interface IEvictionTarget
{
    /// <summary>The node's pods that are neither terminal nor being terminated (kubelet's GetActivePods).</summary>
    IReadOnlyList<k8s.Models.V1Pod> ActivePods();

    /// <summary>Stops the pod's containers and marks it Failed/Evicted; completes once its containers are stopped (false if it had no worker).</summary>
    Task<bool> EvictAsync(k8s.Models.V1Pod pod, PodEviction eviction, CancellationToken cancellationToken);
}

/// <summary>Node-level reclaim before pods are evicted for disk pressure (kubelet's container and image garbage collection).</summary>
internal interface INodeReclaimer
{
    /// <summary>Removes exited containers no pod needs any more.</summary>
    Task DeleteUnusedContainersAsync(CancellationToken cancellationToken);

    /// <summary>Removes images no container uses (never the sandbox image).</summary>
    Task DeleteUnusedImagesAsync(CancellationToken cancellationToken);
}
