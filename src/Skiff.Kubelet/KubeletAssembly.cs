namespace Skiff.Kubelet;

/// <summary>Marker for the node agent assembly (kubelet): pod workers, CRI runtime, volumes, probes, node status.</summary>
internal static class KubeletAssembly;
