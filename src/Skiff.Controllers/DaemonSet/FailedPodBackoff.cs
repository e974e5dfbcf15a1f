namespace Skiff.Controllers.DaemonSet;

/// <summary>
/// Per DaemonSet and node backoff for deleting failed daemon pods (client-go's flowcontrol.Backoff as the
/// DaemonSet controller uses it: 1 s doubling to 15 min, forgotten after twice the maximum without failures), so
/// a node that keeps failing its pod, e.g. a kubelet rejecting it, does not make the controller hot-loop. Thread-safe.
/// </summary>
internal sealed class FailedPodBackoff(TimeProvider timeProvider)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(15);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (TimeSpan Delay, DateTimeOffset LastUpdate)> _entries = new(StringComparer.Ordinal);

    public static string Key(string dsKey, string node) => dsKey + "/" + node;

    /// <summary>How long until the key may act again; zero if it may act now.</summary>
    public TimeSpan Remaining(string key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var e))
            {
                return TimeSpan.Zero;
            }

            var left = e.LastUpdate + e.Delay - timeProvider.GetUtcNow();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>Records an action: the first (or first after a long quiet period) waits <see cref="Initial"/>, each next one twice as long.</summary>
    public void Next(string key)
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var e) || now - e.LastUpdate > 2 * Max)
            {
                _entries[key] = (Initial, now);
                return;
            }

            var doubled = e.Delay * 2;
            _entries[key] = (doubled > Max ? Max : doubled, now);
        }
    }

    /// <summary>Drops entries idle for longer than twice the maximum (the controller's periodic GC of the backoff).</summary>
    public void Gc()
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            foreach (var key in _entries.Where(e => now - e.Value.LastUpdate > 2 * Max).Select(e => e.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }
}
