namespace Skiff.Kubelet.Volumes;

/// <summary>The kubelet's volume plugin names, as they appear in <c>&lt;podDir&gt;/volumes/&lt;plugin&gt;/&lt;volume&gt;</c> ('/' escaped to '~').</summary>
internal static class VolumePlugins
{
    public const string EmptyDir = "kubernetes.io~empty-dir";
    public const string HostPath = "kubernetes.io~host-path";
    public const string ConfigMap = "kubernetes.io~configmap";
    public const string Secret = "kubernetes.io~secret";
    public const string DownwardApi = "kubernetes.io~downward-api";
    public const string Projected = "kubernetes.io~projected";
    public const string LocalVolume = "kubernetes.io~local-volume";

    /// <summary><c>&lt;podDir&gt;/volumes/&lt;plugin&gt;/&lt;volume&gt;</c>.</summary>
    public static string VolumeDir(string podDir, string plugin, string volumeName) => Path.Combine(podDir, "volumes", plugin, volumeName);
}
