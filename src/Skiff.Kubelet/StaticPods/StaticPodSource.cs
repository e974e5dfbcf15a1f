using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Skiff.Kubelet.StaticPods;

/// <summary>
/// Watches the static pod manifest directory (kubelet's file source): reads it at start, again when inotify reports a
/// change, and every check interval in any case (inotify can miss events, e.g. on a directory replaced by a
/// symlink swap). Reports the whole set of static pods to <c>onChange</c> whenever a pod was added, edited (a new UID)
/// or removed. Runs without the API server.
/// </summary>
internal sealed partial class StaticPodSource(string directory, string nodeName, TimeSpan checkInterval, TimeProvider time, ILogger logger)
{
    private readonly SemaphoreSlim _kick = new(0, 1);
    private string _lastErrors = "";

    /// <summary>The static pods of the last read, by UID.</summary>
    public IReadOnlyDictionary<string, V1Pod> Pods { get; private set; } = new Dictionary<string, V1Pod>();

    /// <summary>Reads the directory once and returns whether the set of pods changed.</summary>
    public bool Scan()
    {
        var (pods, errors) = StaticPodManifests.Read(directory, nodeName, time.GetUtcNow().UtcDateTime);
        var text = string.Join('\n', errors);
        if (text != _lastErrors)
        {
            foreach (var error in errors)
            {
                Log.ManifestRejected(logger, error);
            }

            _lastErrors = text;
        }

        var current = Pods;
        var next = new Dictionary<string, V1Pod>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            // An unchanged pod keeps the object (and config.seen) of its first read.
            next[pod.Metadata.Uid] = current.TryGetValue(pod.Metadata.Uid, out var known) ? known : pod;
        }

        if (next.Count == current.Count && next.Keys.All(current.ContainsKey))
        {
            return false;
        }

        foreach (var added in next.Keys.Where(k => !current.ContainsKey(k)))
        {
            Log.Added(logger, Describe(next[added]), directory);
        }

        foreach (var removed in current.Keys.Where(k => !next.ContainsKey(k)))
        {
            Log.Removed(logger, Describe(current[removed]));
        }

        Pods = next;
        return true;
    }

    /// <summary>Scans at start, on every change in the directory and every check interval; calls <paramref name="onChange"/> after each scan that changed the set.</summary>
    public async Task RunAsync(Action<IReadOnlyDictionary<string, V1Pod>> onChange, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        using var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false };
        FileSystemEventHandler changed = (_, _) => Kick();
        watcher.Created += changed;
        watcher.Changed += changed;
        watcher.Deleted += changed;
        watcher.Renamed += (_, _) => Kick();
        watcher.EnableRaisingEvents = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Scan())
            {
                onChange(Pods);
            }

            try
            {
                await _kick.WaitAsync(checkInterval, cancellationToken).ConfigureAwait(false);

                // An editor writes a file in several steps: let them settle before reading.
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Kick()
    {
        try
        {
            _kick.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private static string Describe(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} ({pod.Metadata.Uid})";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "StaticPodManifestRejected", Level = LogLevel.Warning, Message = "static pod manifest rejected: {Error}")]
        public static partial void ManifestRejected(ILogger logger, string error);

        [LoggerMessage(EventId = 2, EventName = "StaticPodAdded", Level = LogLevel.Information, Message = "static pod {Pod} from {Directory}")]
        public static partial void Added(ILogger logger, string pod, string directory);

        [LoggerMessage(EventId = 3, EventName = "StaticPodRemoved", Level = LogLevel.Information, Message = "static pod {Pod} is gone from its manifest directory")]
        public static partial void Removed(ILogger logger, string pod);
    }
}
