namespace Skiff.Controllers.PodGc;

/// <summary>Settings of the pod garbage collector (kube-controller-manager's PodGCController configuration).</summary>
internal sealed class PodGcOptions
{
    /// <summary>How often a pass runs (<c>gcCheckPeriod</c>).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Terminated pods kept before the oldest are deleted (<c>--terminated-pod-gc-threshold</c>); 0 disables.</summary>
    public int TerminatedPodThreshold { get; init; } = 12500;
}
