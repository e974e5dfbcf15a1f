namespace Skiff.Client.Queues;

/// <summary>A delaying queue with retries paced by a rate limiter (client-go's rate_limiting_queue.go).</summary>
public sealed class RateLimitingQueue<T>(IRateLimiter<T> rateLimiter, TimeProvider timeProvider) : DelayingQueue<T>(timeProvider)
    where T : notnull
{
    /// <summary>Adds the item after the limiter's delay: the retry path after a failed sync.</summary>
    public void AddRateLimited(T item)
    {
        Metrics?.Retried();
        AddAfter(item, rateLimiter.When(item));
    }

    /// <summary>Clears the item's retry history; call after a successful sync.</summary>
    public void Forget(T item) => rateLimiter.Forget(item);

    public int NumRequeues(T item) => rateLimiter.NumRequeues(item);
}
