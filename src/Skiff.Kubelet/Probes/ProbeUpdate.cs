namespace Skiff.Kubelet.Probes;

/// <summary>A change of a container's probe result, as the results store publishes it.</summary>
/// <param name="PodUid">The pod's UID.</param>
/// <param name="ContainerName">The container's name.</param>
/// <param name="ContainerId">The runtime's container ID the result belongs to.</param>
/// <param name="Type">Which probe.</param>
/// <param name="Result">The new result.</param>
/// <param name="TerminationGracePeriodSeconds">
/// For liveness and startup failures: the grace period to kill the container with, the probe's
/// terminationGracePeriodSeconds when set, else the pod's (null when the pod sets none either).
/// </param>
internal sealed record ProbeUpdate(string PodUid, string ContainerName, string ContainerId, ProbeType Type, ProbeResult Result, long? TerminationGracePeriodSeconds);
