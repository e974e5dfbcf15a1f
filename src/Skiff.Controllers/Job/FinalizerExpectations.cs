namespace Skiff.Controllers.Job;

/// <summary>
/// Pods (by UID) whose tracking finalizer the controller has removed but whose update the informer has not
/// delivered yet, per job key (the job controller's uidTrackingExpectations). Until then a stale cache still shows
/// the finalizer, and the pod must not be counted a second time. Thread-safe.
/// </summary>
internal sealed class FinalizerExpectations
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _pending = new(StringComparer.Ordinal);

    public void ExpectRemoval(string jobKey, IEnumerable<string> uids)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(jobKey, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _pending[jobKey] = set;
            }

            set.UnionWith(uids);
        }
    }

    public void RemovalObserved(string jobKey, string uid)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(jobKey, out var set) && set.Remove(uid) && set.Count == 0)
            {
                _pending.Remove(jobKey);
            }
        }
    }

    public HashSet<string> Pending(string jobKey)
    {
        lock (_lock)
        {
            return _pending.TryGetValue(jobKey, out var set) ? new HashSet<string>(set, StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);
        }
    }

    public void Delete(string jobKey)
    {
        lock (_lock)
        {
            _pending.Remove(jobKey);
        }
    }
}
