using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>The runtime's newest instance of one container of a pod and the one before it (for lastState and --previous).</summary>
internal sealed record ContainerHistory(ContainerStatus Latest, ContainerStatus? Previous);
