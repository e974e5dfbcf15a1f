namespace Skiff.Kubelet.Eviction;

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
/// <param name="WritableLayers">The part of <paramref name="ContainerDisk"/> in the containers' writable layers (on imagefs).</param>
internal sealed record PodUsage(
    long? MemoryWorkingSet,
    IReadOnlyDictionary<string, long> ContainerMemory,
    IReadOnlyDictionary<string, long> ContainerDisk,
    long VolumeDisk,
    IReadOnlyDictionary<string, long> EmptyDirUsage,
    long Inodes,
    long? Processes,
    long WritableLayers = 0)
{
    /// <summary>The pod's local ephemeral storage: its containers' plus its local volumes'.</summary>
    public long Disk => ContainerDisk.Values.Sum() + VolumeDisk;

    /// <summary>
    /// The local storage kubelet ranks by for a disk signal: everything when images share the node's filesystem; with a
    /// dedicated imagefs, logs and volumes for nodefs and the writable layers for imagefs.
    /// </summary>
    public long DiskFor(string signal, bool dedicatedImageFs) => !dedicatedImageFs ? Disk
        : signal is EvictionSignal.ImageFsAvailable or EvictionSignal.ImageFsInodesFree ? WritableLayers
        : Disk - WritableLayers;
}
