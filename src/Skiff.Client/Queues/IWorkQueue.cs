namespace Skiff.Client.Queues;

/// <summary>
/// A work queue of keys (client-go's workqueue.Interface). Contract: an item added several times before it is
/// taken is queued once; an item taken by <see cref="GetAsync"/> is not handed out again until <see cref="Done"/>,
/// and if it was re-added meanwhile it is queued again at Done. Thread-safe.
/// </summary>
public interface IWorkQueue<T>
    where T : notnull
{
    int Length { get; }

    bool ShuttingDown { get; }

    void Add(T item);

    /// <summary>Waits for the next item; <c>Shutdown</c> is true (and the item meaningless) once the queue is shut down and drained.</summary>
    ValueTask<(T Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken);

    void Done(T item);

    void ShutDown();
}
