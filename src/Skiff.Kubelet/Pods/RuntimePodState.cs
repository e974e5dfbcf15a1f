using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>What the runtime has for one pod: sandboxes (newest first), the newest sandbox's status, all containers, and each container name's history.</summary>
internal sealed record RuntimePodState(
    IReadOnlyList<PodSandbox> Sandboxes,
    PodSandboxStatus? SandboxStatus,
    IReadOnlyList<Container> All,
    IReadOnlyDictionary<string, ContainerHistory> Containers);
