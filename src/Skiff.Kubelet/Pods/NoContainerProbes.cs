using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>No probe workers: containers are ready once running. Used until the Probes library is wired in.</summary>
internal sealed class NoContainerProbes : IContainerProbes
{
    public void Sync(V1Pod pod, IReadOnlyDictionary<string, string> runningContainerIds)
    {
    }

    public bool? Ready(string podUid, string containerName, string containerId) => null;

    public bool? Started(string podUid, string containerName, string containerId) => null;

    public string? FailureMessage(string podUid, string containerName, string containerId) => null;

    public void Remove(string podUid)
    {
    }
}
