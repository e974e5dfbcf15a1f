namespace Skiff.Scheduler.Framework;

/// <summary>Kinds of cluster change that may make unschedulable pods schedulable (kube-scheduler's ClusterEvent, coarsened).</summary>
[Flags]
internal enum ClusterEvent
{
    None = 0,
    NodeAdd = 1,
    NodeUpdate = 2,
    NodeDelete = 4,
    AssignedPodAdd = 8,
    AssignedPodUpdate = 16,
    AssignedPodDelete = 32,

    /// <summary>A PersistentVolumeClaim was added or changed.</summary>
    ClaimChange = 64,

    /// <summary>A PersistentVolume was added or changed.</summary>
    VolumeChange = 128,

    /// <summary>A StorageClass was added or changed.</summary>
    StorageClassChange = 256,

    All = NodeAdd | NodeUpdate | NodeDelete | AssignedPodAdd | AssignedPodUpdate | AssignedPodDelete | ClaimChange | VolumeChange | StorageClassChange,
}
