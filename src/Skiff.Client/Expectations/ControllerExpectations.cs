namespace Skiff.Client.Expectations;

/// <summary>
/// Creates and deletes a controller has issued but not yet seen in its informer cache, per controller key
/// (kube-controller-manager's ControllerExpectations and UIDTrackingExpectations in controller_utils.go).
/// A sync skips scaling while expectations are pending, so a stale cache cannot cause double creation;
/// expectations expire after <see cref="Timeout"/> in case an event is never seen. Thread-safe.
/// </summary>
public sealed class ControllerExpectations(TimeProvider timeProvider)
{
    /// <summary>kube-controller-manager's ExpectationsTimeout.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);

    /// <summary>Whether a sync may act: no record, all observed, or the record expired.</summary>
    public bool Satisfied(string key)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(key, out var r))
            {
                return true;
            }

            return r.Adds <= 0 && r.Deletes <= 0 || timeProvider.GetUtcNow() - r.Timestamp > Timeout;
        }
    }

    /// <summary>Records that <paramref name="adds"/> creations are about to be issued (replacing older expectations).</summary>
    public void ExpectCreations(string key, int adds) => Set(key, adds, []);

    /// <summary>Records the pods (by <c>namespace/name</c>) about to be deleted, so only their deletion counts down.</summary>
    public void ExpectDeletions(string key, IEnumerable<string> podKeys) => Set(key, 0, [.. podKeys]);

    /// <summary>Records creations and deletions (by <c>namespace/name</c>) about to be issued together, replacing older expectations.</summary>
    public void Expect(string key, int adds, IEnumerable<string> deleteKeys) => Set(key, adds, [.. deleteKeys]);

    public void CreationObserved(string key)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(key, out var r))
            {
                r.Adds--;
            }
        }
    }

    /// <summary>A create that failed or was never sent: lower the expectation as the informer never will.</summary>
    public void CreationSkipped(string key, int count = 1)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(key, out var r))
            {
                r.Adds -= count;
            }
        }
    }

    public void DeletionObserved(string key, string podKey)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(key, out var r) && r.PendingDeletes.Remove(podKey))
            {
                r.Deletes--;
            }
        }
    }

    public void Delete(string key)
    {
        lock (_lock)
        {
            _records.Remove(key);
        }
    }

    /// <summary>Pending adds and deletes, for tests and logs.</summary>
    public (int Adds, int Deletes) Pending(string key)
    {
        lock (_lock)
        {
            return _records.TryGetValue(key, out var r) ? (r.Adds, r.Deletes) : (0, 0);
        }
    }

    private void Set(string key, int adds, HashSet<string> deletes)
    {
        lock (_lock)
        {
            _records[key] = new Record { Adds = adds, Deletes = deletes.Count, PendingDeletes = deletes, Timestamp = timeProvider.GetUtcNow() };
        }
    }

    private sealed class Record
    {
        public int Adds { get; set; }

        public int Deletes { get; set; }

        public HashSet<string> PendingDeletes { get; init; } = [];

        public DateTimeOffset Timestamp { get; init; }
    }
}
