namespace Skiff.Client.Queues;

/// <summary>Per-item exponential backoff: base × 2^failures, capped (client-go's ItemExponentialFailureRateLimiter).</summary>
public sealed class ItemExponentialFailureRateLimiter<T>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<T>
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<T, int> _failures = [];

    public TimeSpan When(T item)
    {
        int exp;
        lock (_lock)
        {
            _failures.TryGetValue(item, out exp);
            _failures[item] = exp + 1;
        }

        // 2^exp overflows long before the cap matters; stop doubling once past it.
        var ticks = (double)baseDelay.Ticks * Math.Pow(2, Math.Min(exp, 62));
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void Forget(T item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(item);
        }
    }
}
