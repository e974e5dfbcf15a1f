namespace Skiff.Scheduler.Framework;

/// <summary>
/// The cluster events that can make a pod this plugin rejected schedulable again (kube-scheduler's
/// EnqueueExtensions.EventsToRegister); the queue only moves an unschedulable pod on such events.
/// </summary>
internal interface IEnqueueExtensions : ISchedulerPlugin
{
    ClusterEvent EventsToRegister { get; }
}
