namespace Skiff.Client.Queues;

/// <summary>Stock limiters.</summary>
public static class RateLimiters
{
    /// <summary>
    /// client-go's DefaultControllerRateLimiter: per-item backoff from 5 ms to 1000 s, and an overall
    /// 10 qps / 100 burst bucket so a storm of failures cannot flood the API server.
    /// </summary>
    public static IRateLimiter<T> DefaultController<T>(TimeProvider timeProvider)
        where T : notnull =>
        new MaxOfRateLimiter<T>(
            new ItemExponentialFailureRateLimiter<T>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new BucketRateLimiter<T>(10, 100, timeProvider));
}
