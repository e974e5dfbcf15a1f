namespace Skiff.Client.Queues;

/// <summary>
/// FIFO work queue with client-go's dirty and processing sets (util/workqueue/queue.go): "dirty" holds items
/// that need processing, "processing" items a worker holds; a dirty item that is being processed waits in
/// dirty until Done, so one key is never worked on by two workers at once.
/// </summary>
public class WorkQueue<T> : IWorkQueue<T>
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private bool _shuttingDown;

    /// <summary>
    /// Optional metrics sink (queue depth, adds). Settable so that a host can attach it to a queue a controller
    /// built; set it before the queue is first used.
    /// </summary>
    public IQueueMetrics? Metrics { get; set; }

    public int Length
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public bool ShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    public void Add(T item)
    {
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (_shuttingDown || !_dirty.Add(item))
            {
                return;
            }

            Metrics?.Added();
            if (_processing.Contains(item))
            {
                return;
            }

            _queue.Enqueue(item);
            Metrics?.Depth(_queue.Count);
            _waiters.TryDequeue(out waiter);
        }

        waiter?.TrySetResult();
    }

    public async ValueTask<(T Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_lock)
            {
                if (_queue.TryDequeue(out var item))
                {
                    _processing.Add(item);
                    _dirty.Remove(item);
                    Metrics?.Depth(_queue.Count);
                    return (item, false);
                }

                if (_shuttingDown)
                {
                    return (default!, true);
                }

                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(waiter);
            }

            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Done(T item)
    {
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                Metrics?.Depth(_queue.Count);
                _waiters.TryDequeue(out waiter);
            }
        }

        waiter?.TrySetResult();
    }

    public virtual void ShutDown()
    {
        TaskCompletionSource[] waiters;
        lock (_lock)
        {
            _shuttingDown = true;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var w in waiters)
        {
            w.TrySetResult();
        }
    }
}
