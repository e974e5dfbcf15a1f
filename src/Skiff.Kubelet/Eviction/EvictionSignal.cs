namespace Skiff.Kubelet.Eviction;

/// <summary>
/// kubelet's eviction signals (pkg/kubelet/eviction/api), the node condition each one drives and the resource the
/// eviction manager reclaims for it.
/// </summary>
internal static class EvictionSignal
{
    public const string MemoryAvailable = "memory.available";
    public const string NodeFsAvailable = "nodefs.available";
    public const string NodeFsInodesFree = "nodefs.inodesFree";
    public const string ImageFsAvailable = "imagefs.available";
    public const string ImageFsInodesFree = "imagefs.inodesFree";
    public const string PidAvailable = "pid.available";

    /// <summary>The signals Skiff observes (kubelet's Linux set without allocatableMemory.available and the containerfs ones).</summary>
    public static readonly IReadOnlyList<string> All = [MemoryAvailable, NodeFsAvailable, NodeFsInodesFree, ImageFsAvailable, ImageFsInodesFree, PidAvailable];

    public const string MemoryPressure = "MemoryPressure";
    public const string DiskPressure = "DiskPressure";
    public const string PidPressure = "PIDPressure";

    /// <summary>The node condition a met threshold of <paramref name="signal"/> sets True (kubelet's signalToNodeCondition).</summary>
    public static string Condition(string signal) => signal switch
    {
        MemoryAvailable => MemoryPressure,
        PidAvailable => PidPressure,
        _ => DiskPressure,
    };

    /// <summary>The resource named in eviction messages for <paramref name="signal"/> (kubelet's signalToResource).</summary>
    public static string Resource(string signal) => signal switch
    {
        MemoryAvailable => "memory",
        NodeFsAvailable or ImageFsAvailable => "ephemeral-storage",
        NodeFsInodesFree or ImageFsInodesFree => "inodes",
        _ => "pids",
    };
}
