namespace Skiff.Scheduler.Framework;

/// <summary>Runs once per pod over the feasible nodes before Score; may return Skip.</summary>
internal interface IPreScorePlugin : ISchedulerPlugin
{
    Status PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Snapshot snapshot);
}
