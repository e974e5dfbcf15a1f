namespace Skiff.Scheduler.Framework;

/// <summary>Binds the pod to the node through the API; runs after the pod was assumed, off the scheduling loop.</summary>
internal interface IBindPlugin : ISchedulerPlugin
{
    /// <summary>Returns Skip when this binder does not handle the pod, so the next binder is asked.</summary>
    Task<Status> BindAsync(PodInfo pod, string nodeName, CancellationToken cancellationToken);
}
