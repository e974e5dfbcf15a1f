namespace Skiff.Scheduler.Framework;

/// <summary>
/// Runs in the binding cycle before Bind (kube-scheduler's PreBindPlugin), off the scheduling loop: may call the
/// API and wait (volume binding). A failure un-reserves the pod and sends it back to the queue.
/// </summary>
internal interface IPreBindPlugin : ISchedulerPlugin
{
    Task<Status> PreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken);
}
