using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The seam to the probe workers (kubelet's prober manager): the pod worker tells it what the runtime reports, asks
/// it for readiness and startup results, and learns from it when a liveness or startup probe failed so the container
/// must be restarted. Thread-safe.
/// </summary>
internal interface IContainerProbes
{
    /// <summary>Starts or updates the probe workers of the pod from its containers' runtime state.</summary>
    void Sync(V1Pod pod, string? podIp, IReadOnlyDictionary<string, ContainerHistory> containers);

    /// <summary>Readiness of a running container; null when no readiness probe decides.</summary>
    bool? Ready(V1Pod pod, string containerName, string containerId);

    /// <summary>Whether a running container passed its startup probe; null when it has none.</summary>
    bool? Started(V1Pod pod, string containerName, string containerId);

    /// <summary>Takes the failure of a liveness or startup probe of the container (it must be killed and restarted), if any.</summary>
    string? TakeFailure(string containerId);

    /// <summary>Stops every probe worker of the pod.</summary>
    void Remove(string podUid);
}
