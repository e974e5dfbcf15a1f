namespace Skiff.Kubelet.Volumes;

/// <summary>A container mount's propagation, as CRI v1 names it (PROPAGATION_PRIVATE = 0, HOST_TO_CONTAINER = 1, BIDIRECTIONAL = 2).</summary>
internal enum MountPropagation
{
    /// <summary>volumeMount mountPropagation None (the default): private.</summary>
    Private = 0,

    /// <summary>volumeMount mountPropagation HostToContainer: rslave.</summary>
    HostToContainer = 1,

    /// <summary>volumeMount mountPropagation Bidirectional (privileged containers only): rshared.</summary>
    Bidirectional = 2,
}
