namespace Skiff.Kubelet.Volumes;

/// <summary>The prepared volumes of one pod, by volume name.</summary>
internal sealed record PodVolumes(string PodDir, IReadOnlyDictionary<string, PreparedVolume> Volumes)
{
    /// <summary>The disk-backed emptyDirs with a sizeLimit: what the core watches for local-storage eviction.</summary>
    public IEnumerable<PreparedVolume> LimitedEmptyDirs =>
        Volumes.Values.Where(v => v.PluginName == VolumePlugins.EmptyDir && !v.Tmpfs && v.SizeLimitBytes is not null);
}
