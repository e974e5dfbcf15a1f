using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>No probe workers: containers are ready once running (tests of the worker alone).</summary>
internal sealed class NoContainerProbes : IContainerProbes
{
    public void Sync(V1Pod pod, string? podIp, IReadOnlyDictionary<string, ContainerHistory> containers)
    {
    }

    public bool? Ready(V1Pod pod, string containerName, string containerId) => null;

    public bool? Started(V1Pod pod, string containerName, string containerId) => null;

    public string? TakeFailure(string containerId) => null;

    public void Remove(string podUid)
    {
    }
}
