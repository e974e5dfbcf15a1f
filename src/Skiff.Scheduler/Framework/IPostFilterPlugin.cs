namespace Skiff.Scheduler.Framework;

/// <summary>Runs when no node passed Filter (preemption); returns a message for the failure and may nominate a node.</summary>
internal interface IPostFilterPlugin : ISchedulerPlugin
{
    Task<PostFilterResult> PostFilterAsync(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyDictionary<string, Status> nodeStatuses, CancellationToken cancellationToken);
}
