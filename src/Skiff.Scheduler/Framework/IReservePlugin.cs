namespace Skiff.Scheduler.Framework;

/// <summary>Reserve claims node resources for the pod before binding; Unreserve undoes it if a later step fails.</summary>
internal interface IReservePlugin : ISchedulerPlugin
{
    Status Reserve(CycleState state, PodInfo pod, string nodeName);

    void Unreserve(CycleState state, PodInfo pod, string nodeName);
}
