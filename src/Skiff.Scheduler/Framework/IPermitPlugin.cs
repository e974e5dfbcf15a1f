namespace Skiff.Scheduler.Framework;

/// <summary>
/// Runs after Reserve (kube-scheduler's PermitPlugin): allows the pod (Success), rejects it (Unschedulable), or
/// makes it wait (<see cref="StatusCode.Wait"/>) for at most <paramref name="timeout"/> until a plugin calls
/// <see cref="WaitingPod.Allow"/> or <see cref="WaitingPod.Reject"/> (gang scheduling, quotas). The wait happens in
/// the binding cycle, so other pods keep being scheduled. Called on the scheduling loop: must not block.
/// </summary>
internal interface IPermitPlugin : ISchedulerPlugin
{
    /// <summary>kube-scheduler's maxTimeout for a Permit wait.</summary>
    static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(15);

    Status Permit(CycleState state, PodInfo pod, string nodeName, out TimeSpan timeout);
}
