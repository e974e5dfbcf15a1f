namespace Skiff.Scheduler.Framework;

/// <summary>Decides whether the pod can run on one node. Called concurrently for different nodes: must not write shared state.</summary>
internal interface IFilterPlugin : ISchedulerPlugin
{
    Status Filter(CycleState state, PodInfo pod, NodeInfo node);
}
