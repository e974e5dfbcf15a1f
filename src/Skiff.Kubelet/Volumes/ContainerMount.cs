namespace Skiff.Kubelet.Volumes;

/// <summary>One CRI mount of a container: a host path bind-mounted at a container path.</summary>
/// <param name="VolumeName">The pod volume it comes from.</param>
/// <param name="HostPath">The path on the node (subPath already resolved, with no symlinks left in it).</param>
/// <param name="ContainerPath">Where the container sees it (volumeMount mountPath).</param>
/// <param name="ReadOnly">Mounted read-only (the volumeMount's readOnly, or a volume that is always read-only).</param>
/// <param name="Propagation">Mount propagation.</param>
internal sealed record ContainerMount(string VolumeName, string HostPath, string ContainerPath, bool ReadOnly, MountPropagation Propagation);
