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
    All = NodeAdd | NodeUpdate | NodeDelete | AssignedPodAdd | AssignedPodUpdate | AssignedPodDelete,
}
