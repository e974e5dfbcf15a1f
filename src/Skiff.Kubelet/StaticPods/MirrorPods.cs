using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Kubelet.StaticPods;

/// <summary>
/// Keeps one mirror pod in the API for every static pod, as kubelet's mirror pod manager does: creates it when it is
/// missing, replaces it when it mirrors an older version of the static pod or is being deleted (a user's
/// <c>kubectl delete</c> of a mirror pod brings back a fresh one; the static pod keeps running), and deletes mirror
/// pods on this node whose static pod is gone. Deletes carry the mirror's UID as a precondition so a newer mirror is
/// never removed by mistake.
/// </summary>
internal sealed partial class MirrorPods(IResourceClient<V1Pod> pods, IResourceClient<V1Node> nodes, string nodeName, ILogger logger)
{
    private V1Node? _node;

    /// <summary>
    /// Brings the API's mirror pods in line with <paramref name="staticPods"/>, given the mirror pods of this node the
    /// informer holds. Returns the UIDs of static pods whose mirror was (re)created: their status must be written anew.
    /// </summary>
    public async Task<IReadOnlyList<string>> SyncAsync(IReadOnlyDictionary<string, V1Pod> staticPods, IReadOnlyList<V1Pod> mirrors, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        foreach (var pod in staticPods.Values)
        {
            var hash = pod.Metadata.Annotations[StaticPodManifests.HashAnnotation];
            var mirror = mirrors.FirstOrDefault(m => m.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty && m.Metadata.Name == pod.Metadata.Name);
            if (mirror is not null && mirror.Metadata.DeletionTimestamp is null && (mirror.Metadata.Annotations?.TryGetValue(StaticPodManifests.MirrorAnnotation, out var mirrored) == true && mirrored == hash))
            {
                continue;
            }

            try
            {
                if (mirror is not null)
                {
                    await DeleteAsync(mirror, mirror.Metadata.DeletionTimestamp is null ? "it mirrors an older version of the static pod" : "it is being deleted", cancellationToken).ConfigureAwait(false);
                }

                _node ??= await nodes.GetAsync(null, nodeName, cancellationToken).ConfigureAwait(false);
                await pods.CreateAsync(StaticPodManifests.Mirror(pod, _node), cancellationToken).ConfigureAwait(false);
                Log.Created(logger, Name(pod));
                created.Add(pod.Metadata.Uid);
            }
            catch (ApiException ex) when (ex.IsAlreadyExists)
            {
                // The informer has not seen our earlier create (or delete) yet: the next sync looks again.
            }
            catch (ApiException ex)
            {
                Log.Failed(logger, Name(pod), ex.Message);
            }
        }

        foreach (var mirror in mirrors)
        {
            var wanted = staticPods.Values.Any(p => p.Metadata.NamespaceProperty == mirror.Metadata.NamespaceProperty && p.Metadata.Name == mirror.Metadata.Name);
            if (!wanted)
            {
                try
                {
                    await DeleteAsync(mirror, "its static pod is gone", cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException ex)
                {
                    Log.Failed(logger, Name(mirror), ex.Message);
                }
            }
        }

        return created;
    }

    private async Task DeleteAsync(V1Pod mirror, string why, CancellationToken cancellationToken)
    {
        try
        {
            await pods.DeleteAsync(mirror.Metadata.NamespaceProperty, mirror.Metadata.Name, new V1DeleteOptions
            {
                GracePeriodSeconds = 0,
                Preconditions = new V1Preconditions { Uid = mirror.Metadata.Uid },
            }, cancellationToken).ConfigureAwait(false);
            Log.Deleted(logger, Name(mirror), why);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
        }
    }

    private static string Name(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "MirrorPodCreated", Level = LogLevel.Information, Message = "created mirror pod {Pod}")]
        public static partial void Created(ILogger logger, string pod);

        [LoggerMessage(EventId = 2, EventName = "MirrorPodDeleted", Level = LogLevel.Information, Message = "deleted mirror pod {Pod}: {Reason}")]
        public static partial void Deleted(ILogger logger, string pod, string reason);

        [LoggerMessage(EventId = 3, EventName = "MirrorPodFailed", Level = LogLevel.Warning, Message = "cannot sync mirror pod {Pod}: {Error}")]
        public static partial void Failed(ILogger logger, string pod, string error);
    }
}
