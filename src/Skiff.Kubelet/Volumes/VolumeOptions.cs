namespace Skiff.Kubelet.Volumes;

/// <summary>Options of the <see cref="VolumeManager"/>.</summary>
internal sealed class VolumeOptions
{
    /// <summary>
    /// Back secret and projected volumes with tmpfs, as the kubelet does, so secrets never reach the node's disk
    /// (default true; needs CAP_SYS_ADMIN).
    /// </summary>
    public bool SecretsOnTmpfs { get; set; } = true;
}
