using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Queue;

/// <summary>
/// kube-scheduler's PriorityQueue: an active queue ordered by priority then arrival (the PrioritySort plugin),
/// a backoff queue of pods waiting out an exponential backoff after a failure, and a map of unschedulable pods
/// that only a relevant cluster event (or a five-minute safety flush) moves back. A pod that failed while a
/// move request happened during its cycle goes to backoff instead of unschedulable, so the event is not lost.
/// Thread-safe; <see cref="PopAsync"/> waits without polling.
/// </summary>
internal sealed class SchedulingQueue
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly TimeProvider _time;
    private readonly SchedulingQueueOptions _options;
    private readonly Func<string, ClusterEvent> _pluginEvents;
    private readonly PriorityQueue<(QueuedPodInfo Pod, long Sequence), (int, DateTimeOffset, long)> _activeHeap = new();
    private readonly Dictionary<string, QueuedPodInfo> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedPodInfo> _backoff = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedPodInfo> _unschedulable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedPodInfo> _inFlight = new(StringComparer.Ordinal);
    private long _sequence;
    private long _schedulingCycle;
    private long _moveRequestCycle = -1;

    /// <param name="pluginEvents">The cluster events each plugin registered (by plugin name).</param>
    public SchedulingQueue(TimeProvider time, SchedulingQueueOptions options, Func<string, ClusterEvent> pluginEvents)
    {
        _time = time;
        _options = options;
        _pluginEvents = pluginEvents;
    }

    public int ActiveCount
    {
        get
        {
            lock (_lock)
            {
                return _active.Count;
            }
        }
    }

    public int BackoffCount
    {
        get
        {
            lock (_lock)
            {
                return _backoff.Count;
            }
        }
    }

    public int UnschedulableCount
    {
        get
        {
            lock (_lock)
            {
                return _unschedulable.Count;
            }
        }
    }

    /// <summary>A new pending pod: straight to the active queue.</summary>
    public void Add(PodInfo pod)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(pod.Key, out var flying))
            {
                flying.Pod = pod;
                return;
            }

            if (Find(pod.Key) is { } existing)
            {
                existing.Pod = pod;
                return;
            }

            PushActive(new QueuedPodInfo(pod, _time.GetUtcNow()));
        }
    }

    /// <summary>
    /// A pending pod changed. An unschedulable pod is given another chance at once (its spec or labels may
    /// now fit: kube-scheduler's isPodUpdated), unless it is still backing off. A status-only change
    /// (<paramref name="relevant"/> false) just refreshes the queued copy.
    /// </summary>
    public void Update(PodInfo pod, bool relevant = true)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(pod.Key, out var flying))
            {
                flying.Pod = pod;
                return;
            }

            if (_active.TryGetValue(pod.Key, out var a))
            {
                a.Pod = pod;
                return;
            }

            if (_backoff.TryGetValue(pod.Key, out var b))
            {
                b.Pod = pod;
                return;
            }

            if (!relevant && _unschedulable.TryGetValue(pod.Key, out var stays))
            {
                stays.Pod = pod;
                return;
            }

            if (_unschedulable.Remove(pod.Key, out var u))
            {
                u.Pod = pod;
                Requeue(u);
                return;
            }

            PushActive(new QueuedPodInfo(pod, _time.GetUtcNow()));
        }
    }

    public void Delete(string key)
    {
        lock (_lock)
        {
            // Heap entries of a removed pod become stale (sequence mismatch) and are skipped on pop.
            _active.Remove(key);
            _backoff.Remove(key);
            _unschedulable.Remove(key);
            _inFlight.Remove(key);
        }
    }

    /// <summary>Waits for the highest-priority active pod; returns it with the scheduling cycle it starts.</summary>
    public async Task<(QueuedPodInfo Pod, long Cycle)> PopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryPop(out var popped))
            {
                return popped;
            }

            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public bool TryPop(out (QueuedPodInfo Pod, long Cycle) popped)
    {
        lock (_lock)
        {
            while (_activeHeap.TryDequeue(out var entry, out _))
            {
                if (entry.Pod.Sequence != entry.Sequence || !_active.TryGetValue(entry.Pod.Key, out var current) || current != entry.Pod)
                {
                    continue;
                }

                _active.Remove(entry.Pod.Key);
                entry.Pod.Attempts++;
                _inFlight[entry.Pod.Key] = entry.Pod;
                popped = (entry.Pod, ++_schedulingCycle);
                return true;
            }
        }

        popped = default;
        return false;
    }

    /// <summary>The scheduling attempt of <paramref name="key"/> is over (bound, or re-queued).</summary>
    public void Done(string key)
    {
        lock (_lock)
        {
            _inFlight.Remove(key);
        }
    }

    /// <summary>
    /// A pod no node fits. It waits in the unschedulable map for an event one of its rejecting plugins cares
    /// about, or in backoff if such an event already arrived during its cycle (kube-scheduler's moveRequestCycle).
    /// </summary>
    public void AddUnschedulable(QueuedPodInfo pod, long podCycle)
    {
        lock (_lock)
        {
            if (!_inFlight.Remove(pod.Key) || Find(pod.Key) is not null)
            {
                // Deleted while in flight, or re-added meanwhile.
                return;
            }

            pod.Timestamp = _time.GetUtcNow();
            if (_moveRequestCycle >= podCycle)
            {
                PushBackoff(pod);
            }
            else
            {
                _unschedulable[pod.Key] = pod;
            }
        }
    }

    /// <summary>A pod whose attempt failed with an error (API failure): retried after its backoff.</summary>
    public void AddBackoff(QueuedPodInfo pod)
    {
        lock (_lock)
        {
            if (!_inFlight.Remove(pod.Key) || Find(pod.Key) is not null)
            {
                return;
            }

            PushBackoff(pod);
        }
    }

    /// <summary>
    /// A cluster event: unschedulable pods rejected by a plugin that registered it move to active (or backoff
    /// if their backoff has not expired), as kube-scheduler's MoveAllToActiveOrBackoffQueue.
    /// </summary>
    public void OnClusterEvent(ClusterEvent evt)
    {
        lock (_lock)
        {
            _moveRequestCycle = _schedulingCycle;
            List<QueuedPodInfo>? moving = null;
            foreach (var pod in _unschedulable.Values)
            {
                if (pod.UnschedulablePlugins.Count == 0 || pod.UnschedulablePlugins.Any(p => (_pluginEvents(p) & evt) != 0))
                {
                    (moving ??= []).Add(pod);
                }
            }

            foreach (var pod in moving ?? [])
            {
                _unschedulable.Remove(pod.Key);
                Requeue(pod);
            }
        }
    }

    /// <summary>Moves pods whose backoff expired to the active queue (kube-scheduler runs this every second).</summary>
    public void FlushBackoffCompleted()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var pod in _backoff.Values.Where(p => p.BackoffExpiry <= now).ToList())
            {
                _backoff.Remove(pod.Key);
                PushActive(pod);
            }
        }
    }

    /// <summary>Retries pods unschedulable for longer than <see cref="SchedulingQueueOptions.MaxInUnschedulable"/> (every 30 s in kube-scheduler).</summary>
    public void FlushUnschedulableLeftover()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var pod in _unschedulable.Values.Where(p => now - p.Timestamp >= _options.MaxInUnschedulable).ToList())
            {
                _unschedulable.Remove(pod.Key);
                Requeue(pod);
            }
        }
    }

    /// <summary>Runs the periodic flushes until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastLeftover = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            FlushBackoffCompleted();
            if (_time.GetUtcNow() - lastLeftover >= TimeSpan.FromSeconds(30))
            {
                lastLeftover = _time.GetUtcNow();
                FlushUnschedulableLeftover();
            }
        }
    }

    /// <summary>The backoff of a pod after <paramref name="attempts"/> attempts: initial × 2^(attempts−1), capped.</summary>
    public TimeSpan BackoffFor(int attempts)
    {
        var d = _options.InitialBackoff;
        for (var i = 1; i < attempts && d < _options.MaxBackoff; i++)
        {
            d *= 2;
        }

        return d > _options.MaxBackoff ? _options.MaxBackoff : d;
    }

    private void Requeue(QueuedPodInfo pod)
    {
        if (pod.Timestamp + BackoffFor(pod.Attempts) > _time.GetUtcNow())
        {
            PushBackoff(pod);
        }
        else
        {
            PushActive(pod);
        }
    }

    private QueuedPodInfo? Find(string key) =>
        _active.GetValueOrDefault(key) ?? _backoff.GetValueOrDefault(key) ?? _unschedulable.GetValueOrDefault(key);

    private void PushActive(QueuedPodInfo pod)
    {
        pod.Sequence = ++_sequence;
        _active[pod.Key] = pod;
        _activeHeap.Enqueue((pod, pod.Sequence), (-pod.Pod.Priority, pod.Timestamp, pod.Sequence));
        _signal.Release();
    }

    private void PushBackoff(QueuedPodInfo pod)
    {
        pod.BackoffExpiry = pod.Timestamp + BackoffFor(pod.Attempts);
        _backoff[pod.Key] = pod;
    }
}
