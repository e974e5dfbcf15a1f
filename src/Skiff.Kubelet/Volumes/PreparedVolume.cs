namespace Skiff.Kubelet.Volumes;

/// <summary>A pod volume that is ready to be mounted into containers.</summary>
/// <param name="Name">The pod's volume name.</param>
/// <param name="PluginName">The kubelet plugin name (<c>kubernetes.io~empty-dir</c>, <c>kubernetes.io~host-path</c>, ...).</param>
/// <param name="HostPath">The directory (or file, for hostPath) on the node.</param>
/// <param name="ReadOnly">Every mount of it is read-only (configMap, secret, downwardAPI, projected, a read-only claim).</param>
/// <param name="Tmpfs">It is a tmpfs mount the volume manager made (memory-backed emptyDir, secret, projected).</param>
/// <param name="SizeLimitBytes">
/// emptyDir sizeLimit in bytes (null if none). For a disk emptyDir the kubelet core evicts the pod when the usage
/// (<see cref="VolumeManager.MeasureUsage"/>) exceeds it; for a memory-backed one it is the tmpfs size.
/// </param>
/// <param name="SizeLimitText">The sizeLimit as written in the pod (for the eviction message).</param>
internal sealed record PreparedVolume(string Name, string PluginName, string HostPath, bool ReadOnly, bool Tmpfs, long? SizeLimitBytes = null, string? SizeLimitText = null);
