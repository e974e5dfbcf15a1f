using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The seam to the probe workers (kubelet's prober manager): the pod worker tells it which containers run, asks it
/// for readiness and startup results, and hears from it (through the callback given at construction) when a
/// liveness or startup probe failed so the container must be restarted. Thread-safe.
/// </summary>
internal interface IContainerProbes
{
    /// <summary>Starts probe workers for newly running containers of the pod and stops those of containers that are gone.</summary>
    void Sync(V1Pod pod, IReadOnlyDictionary<string, string> runningContainerIds);

    /// <summary>Readiness of a running container; null when no readiness probe decides.</summary>
    bool? Ready(string podUid, string containerName, string containerId);

    /// <summary>Whether a running container passed its startup probe; null when it has none.</summary>
    bool? Started(string podUid, string containerName, string containerId);

    /// <summary>Whether a liveness or startup probe has declared the container failed (it must be killed and restarted).</summary>
    string? FailureMessage(string podUid, string containerName, string containerId);

    /// <summary>Stops every probe worker of the pod.</summary>
    void Remove(string podUid);
}
