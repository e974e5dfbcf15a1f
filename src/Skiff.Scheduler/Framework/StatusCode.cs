namespace Skiff.Scheduler.Framework;

/// <summary>The outcome codes of kube-scheduler's framework.Status.</summary>
internal enum StatusCode
{
    Success,

    /// <summary>An internal failure; the pod is retried with backoff.</summary>
    Error,

    /// <summary>The node does not fit now, but preemption might make it fit.</summary>
    Unschedulable,

    /// <summary>The node does not fit and preempting pods on it would not help.</summary>
    UnschedulableAndUnresolvable,

    /// <summary>PreFilter/PreScore: the plugin has nothing to do for this pod, so its Filter/Score are skipped.</summary>
    Skip,

    /// <summary>Permit: the pod waits in the binding cycle until a plugin allows or rejects it, or the timeout passes.</summary>
    Wait,
}
