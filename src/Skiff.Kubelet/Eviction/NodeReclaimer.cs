using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Eviction;

/// <summary>
/// Node-level disk reclaim through CRI, as kubelet's container and image garbage collectors do under disk pressure:
/// exited containers and sandboxes of pods this agent no longer runs (and instances older than the two a pod worker
/// keeps for status and <c>logs --previous</c>) are removed; images no container uses are removed once they have been
/// known for the minimum image age (kubelet's ImageMinimumGCAge, 2 minutes), never the sandbox (pause) image or a
/// pinned image.
/// </summary>
internal sealed partial class NodeReclaimer(IContainerRuntime runtime, Func<IReadOnlyCollection<string>> livePodUids, string sandboxImage, TimeProvider time, ILogger logger) : INodeReclaimer
{
    /// <summary>kubelet's default ImageMinimumGCAge.</summary>
    public static readonly TimeSpan MinimumImageAge = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, DateTimeOffset> _imageFirstSeen = new(StringComparer.Ordinal);

    public async Task DeleteUnusedContainersAsync(CancellationToken cancellationToken)
    {
        var live = livePodUids().ToHashSet(StringComparer.Ordinal);
        var containers = await runtime.ListContainersAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var group in containers.GroupBy(c => (Uid: c.Labels.GetValueOrDefault(KubeletLabels.PodUid) ?? "", Name: c.Metadata?.Name ?? "")))
        {
            var ordered = group.OrderByDescending(c => c.Metadata?.Attempt ?? 0).ThenByDescending(c => c.CreatedAt).ToList();
            var keep = live.Contains(group.Key.Uid) ? 2 : 0;
            foreach (var dead in ordered.Skip(keep).Where(c => c.State == ContainerState.ContainerExited))
            {
                await runtime.RemoveContainerAsync(dead.Id, cancellationToken).ConfigureAwait(false);
                Log.ContainerRemoved(logger, dead.Id, group.Key.Uid);
            }
        }

        var sandboxes = await runtime.ListPodSandboxesAsync(null, cancellationToken).ConfigureAwait(false);
        var withContainers = (await runtime.ListContainersAsync(null, cancellationToken).ConfigureAwait(false)).Select(c => c.PodSandboxId).ToHashSet(StringComparer.Ordinal);
        foreach (var sandbox in sandboxes)
        {
            if (sandbox.State == PodSandboxState.SandboxNotready && !withContainers.Contains(sandbox.Id) && !live.Contains(sandbox.Labels.GetValueOrDefault(KubeletLabels.PodUid) ?? ""))
            {
                await runtime.RemovePodSandboxAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task DeleteUnusedImagesAsync(CancellationToken cancellationToken)
    {
        var images = await runtime.ListImagesAsync(cancellationToken).ConfigureAwait(false);
        var containers = await runtime.ListContainersAsync(null, cancellationToken).ConfigureAwait(false);
        var used = containers.SelectMany(c => new[] { c.ImageRef, c.Image?.Image }).Where(r => !string.IsNullOrEmpty(r)).ToHashSet(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var image in images)
        {
            _imageFirstSeen.TryAdd(image.Id, now);
        }

        foreach (var gone in _imageFirstSeen.Keys.Except(images.Select(i => i.Id)).ToList())
        {
            _imageFirstSeen.Remove(gone);
        }

        foreach (var image in images)
        {
            var names = image.RepoTags.Concat(image.RepoDigests).Append(image.Id).ToList();
            if (image.Pinned || names.Contains(sandboxImage) || names.Any(used.Contains) || now - _imageFirstSeen[image.Id] < MinimumImageAge)
            {
                continue;
            }

            await runtime.RemoveImageAsync(image.Id, cancellationToken).ConfigureAwait(false);
            Log.ImageRemoved(logger, string.Join(", ", image.RepoTags.DefaultIfEmpty(image.Id)), (long)image.Size);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "UnusedContainerRemoved", Level = LogLevel.Information, Message = "image and container garbage collection: removed exited container {Container} of pod {Uid}")]
        public static partial void ContainerRemoved(ILogger logger, string container, string uid);

        [LoggerMessage(EventId = 2, EventName = "UnusedImageRemoved", Level = LogLevel.Information, Message = "image garbage collection: removed unused image {Image} ({Size} bytes)")]
        public static partial void ImageRemoved(ILogger logger, string image, long size);
    }
}
