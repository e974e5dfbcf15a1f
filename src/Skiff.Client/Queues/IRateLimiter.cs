namespace Skiff.Client.Queues;

/// <summary>Decides how long an item waits before it is retried (client-go's workqueue.RateLimiter). Thread-safe.</summary>
public interface IRateLimiter<in T>
{
    /// <summary>The delay for the item's next retry; counts the retry.</summary>
    TimeSpan When(T item);

    /// <summary>Forgets the item's failures (it was processed successfully).</summary>
    void Forget(T item);

    int NumRequeues(T item);
}
