namespace Skiff.Kubelet.Pods;

/// <summary>
/// kubelet's per-container restart back-off (flowcontrol.Backoff with 10 s initial, 5 min cap): a restart is held
/// back while less than the current delay has passed since the container finished; each restart doubles the delay;
/// an entry untouched for twice the cap (10 min) starts again at 10 s. Also used for image pull back-off.
/// Not thread-safe: each pod worker owns one.
/// </summary>
internal sealed class CrashLoopBackoff(TimeProvider time, TimeSpan? initial = null, TimeSpan? max = null)
{
    private readonly TimeSpan _initial = initial ?? TimeSpan.FromSeconds(10);
    private readonly TimeSpan _max = max ?? TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, (TimeSpan Delay, DateTimeOffset Updated)> _entries = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="key"/> must still wait after an event at <paramref name="since"/>; gives the current delay and when it ends.</summary>
    public bool InBackoff(string key, DateTimeOffset since, out TimeSpan delay, out DateTimeOffset until)
    {
        delay = TimeSpan.Zero;
        until = since;
        if (!_entries.TryGetValue(key, out var entry) || time.GetUtcNow() - entry.Updated > _max * 2)
        {
            return false;
        }

        delay = entry.Delay;
        until = since + entry.Delay;
        return time.GetUtcNow() < until;
    }

    /// <summary>Records a (re)start attempt: the first sets the initial delay, later ones double it up to the cap.</summary>
    public void Next(string key)
    {
        var now = time.GetUtcNow();
        if (!_entries.TryGetValue(key, out var entry) || now - entry.Updated > _max * 2)
        {
            _entries[key] = (_initial, now);
            return;
        }

        var doubled = entry.Delay * 2;
        _entries[key] = (doubled > _max ? _max : doubled, now);
    }

    public void Reset(string key) => _entries.Remove(key);
}
