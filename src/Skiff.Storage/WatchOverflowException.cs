namespace Skiff.Storage;

/// <summary>
/// Ends a watch whose consumer fell so far behind that its buffer filled up. The store drops the watcher rather
/// than slow down writes for everyone; the events delivered before this exception are complete and in order, so
/// the consumer can watch again from the last revision it received (or relist if that is compacted).
/// </summary>
public sealed class WatchOverflowException(string prefix, long undeliveredRevision, int capacity)
    : Exception($"watch on prefix '{prefix}' fell more than {capacity} events behind and was closed before revision {undeliveredRevision}; watch again from the last revision received")
{
    /// <summary>The prefix the watch was on.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>The first revision that could not be delivered.</summary>
    public long UndeliveredRevision { get; } = undeliveredRevision;

    /// <summary>The buffer size (in events) that was exceeded.</summary>
    public int Capacity { get; } = capacity;
}
