using k8s.Models;

namespace Skiff.Kubelet.Probes;

/// <summary>Runs one probe once; <see cref="ProbeRunner"/> is the real implementation, tests script their own.</summary>
internal interface IProbeRunner
{
    /// <summary>Runs <paramref name="probe"/> against container <paramref name="containerId"/>; never throws for probe failures.</summary>
    Task<ProbeOutcome> RunAsync(V1Probe probe, V1Pod pod, V1Container container, string containerId, string? podIP, CancellationToken cancellationToken);
}
