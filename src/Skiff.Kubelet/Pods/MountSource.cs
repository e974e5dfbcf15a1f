namespace Skiff.Kubelet.Pods;

/// <summary>A prepared volume on the host: its directory (or file) and whether it must be mounted read-only.</summary>
internal sealed record MountSource(string HostPath, bool ReadOnly);
