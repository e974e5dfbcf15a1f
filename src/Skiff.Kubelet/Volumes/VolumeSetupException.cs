namespace Skiff.Kubelet.Volumes;

/// <summary>
/// A pod volume could not be set up. <see cref="Exception.Message"/> is the kubelet's <c>FailedMount</c> event text,
/// <c>MountVolume.SetUp failed for volume "NAME" : CAUSE</c> (e.g. <c>configmap "app-config" not found</c>,
/// <c>hostPath type check failed: /srv/data is not a directory</c>); the pod's containers are not started and the
/// core retries on its next sync.
/// </summary>
internal sealed class VolumeSetupException(string volumeName, string cause)
    : Exception($"MountVolume.SetUp failed for volume \"{volumeName}\" : {cause}")
{
    /// <summary>The event reason the kubelet records with this message.</summary>
    public const string Reason = "FailedMount";

    /// <summary>The volume that failed.</summary>
    public string VolumeName { get; } = volumeName;

    /// <summary>Why it failed, without the prefix.</summary>
    public string Cause { get; } = cause;
}
