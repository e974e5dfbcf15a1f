namespace Skiff.Client.Queues;

/// <summary>
/// An overall token bucket (client-go's BucketRateLimiter over golang.org/x/time/rate): <c>qps</c> tokens a
/// second up to <c>burst</c>; an item that finds the bucket empty waits for its reserved token.
/// </summary>
public sealed class BucketRateLimiter<T>(double qps, int burst, TimeProvider timeProvider) : IRateLimiter<T>
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private DateTimeOffset _last = timeProvider.GetUtcNow();

    public TimeSpan When(T item)
    {
        lock (_lock)
        {
            var now = timeProvider.GetUtcNow();
            if (now > _last)
            {
                _tokens = Math.Min(burst, _tokens + (now - _last).TotalSeconds * qps);
                _last = now;
            }

            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / qps);
        }
    }

    public void Forget(T item)
    {
    }

    public int NumRequeues(T item) => 0;
}
