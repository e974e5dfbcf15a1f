using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.ImageLocality;

/// <summary>
/// kube-scheduler's ImageLocality plugin: prefers nodes that already have the pod's images (node.status.images).
/// Each image present counts its size scaled by the share of nodes that have it (so an image everywhere does not
/// pull pods together); the sum is clamped between 23 MiB and 1000 MiB per container and mapped onto 0..100.
/// </summary>
internal sealed class ImageLocalityPlugin : IPreScorePlugin, IScorePlugin
{
    public const string PluginName = "ImageLocality";

    private const long Mb = 1024 * 1024;
    private const long MinThreshold = 23 * Mb;
    private const long MaxContainerThreshold = 1000 * Mb;
    private const string StateKey = "PreScore" + PluginName;

    public string Name => PluginName;

    public Status PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes, Snapshot snapshot)
    {
        var spec = pod.Pod.Spec;
        var images = new List<(string Image, double Spread)>();
        foreach (var c in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            if (c.Image is { } image && snapshot.ImageNodeCounts.TryGetValue(NodeInfo.NormalizeImage(image), out var count) && snapshot.Nodes.Count > 0)
            {
                images.Add((NodeInfo.NormalizeImage(image), (double)count / snapshot.Nodes.Count));
            }
        }

        if (images.Count == 0)
        {
            // No node has any of the pod's images: every node would score 0.
            return Status.Skipped;
        }

        state.Write(StateKey, new ImageLocalityState(images, (spec.InitContainers?.Count ?? 0) + (spec.Containers?.Count ?? 0)));
        return Status.Ok;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<ImageLocalityState>(StateKey);
        if (s is null)
        {
            return 0;
        }

        long sum = 0;
        foreach (var (image, spread) in s.Images)
        {
            if (node.ImageSizes.TryGetValue(image, out var size))
            {
                sum += (long)(size * spread);
            }
        }

        return Priority(sum, s.Containers);
    }

    /// <summary>kube-scheduler's calculatePriority.</summary>
    internal static long Priority(long sum, int containers)
    {
        var max = MaxContainerThreshold * Math.Max(1, containers);
        sum = Math.Clamp(sum, MinThreshold, max);
        return IScorePlugin.MaxScore * (sum - MinThreshold) / (max - MinThreshold);
    }

    private sealed record ImageLocalityState(List<(string Image, double Spread)> Images, int Containers);
}
