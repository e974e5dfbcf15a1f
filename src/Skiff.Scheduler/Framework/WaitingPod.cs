namespace Skiff.Scheduler.Framework;

/// <summary>
/// A pod held at Permit (kube-scheduler's waitingPod): it proceeds to binding once every plugin that asked it to
/// wait has allowed it, and fails as soon as one rejects it or a plugin's timeout passes. Thread-safe.
/// </summary>
internal sealed class WaitingPod : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ITimer> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<Status> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WaitingPod(PodInfo pod, string nodeName, IReadOnlyDictionary<string, TimeSpan> waits, TimeProvider time)
    {
        Pod = pod;
        NodeName = nodeName;
        lock (_lock)
        {
            foreach (var (plugin, timeout) in waits)
            {
                _pending[plugin] = time.CreateTimer(
                    _ => Reject(plugin, $"rejected due to timeout after waiting {timeout.TotalSeconds:0.###}s at plugin {plugin}"),
                    null, timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public PodInfo Pod { get; }

    public string NodeName { get; }

    /// <summary>The plugins the pod still waits for.</summary>
    public IReadOnlyList<string> PendingPlugins
    {
        get
        {
            lock (_lock)
            {
                return [.. _pending.Keys];
            }
        }
    }

    /// <summary>Completes with Success once allowed by every waiting plugin, or Unschedulable when rejected.</summary>
    public Task<Status> Result => _result.Task;

    /// <summary>The plugin no longer holds the pod back; the last one lets it bind.</summary>
    public void Allow(string plugin)
    {
        lock (_lock)
        {
            if (_pending.Remove(plugin, out var timer))
            {
                timer.Dispose();
            }

            if (_pending.Count > 0)
            {
                return;
            }
        }

        _result.TrySetResult(Status.Ok);
    }

    public void Reject(string plugin, string message)
    {
        Dispose();
        _result.TrySetResult(new Status(StatusCode.Unschedulable, [message], plugin));
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var timer in _pending.Values)
            {
                timer.Dispose();
            }

            _pending.Clear();
        }
    }
}
