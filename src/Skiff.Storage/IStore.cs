namespace Skiff.Storage;

/// <summary>
/// A revisioned key-value store with etcd v3 semantics: every write gets the next global revision,
/// reads can be taken at a past revision until it is compacted, and watches replay from a revision.
/// </summary>
/// <remarks>
/// Contract (shared by every backend and checked by one contract test suite):
/// <list type="bullet">
/// <item>Revisions start at 1 and grow by one per successful write (create, update or delete).</item>
/// <item>A write is durable when its task completes: a crash of the process afterwards does not lose it.</item>
/// <item>Watch delivers every event of matching keys after the start revision, in revision order, with no gaps;
/// the event for revision R is delivered only after R is visible to reads.</item>
/// <item>All members are thread-safe.</item>
/// </list>
/// </remarks>
public interface IStore : IAsyncDisposable
{
    /// <summary>The newest revision whose write is visible to reads.</summary>
    ValueTask<long> GetCurrentRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The revision up to which history has been compacted. Reads at a revision below it, and watches after a
    /// revision below it, fail with <see cref="CompactedException"/>; reading at it and watching after it still work (as in etcd).
    /// </summary>
    ValueTask<long> GetCompactRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads one key at the current revision; null when absent.</summary>
    ValueTask<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists keys starting with <paramref name="prefix"/> in key order, as of <paramref name="revision"/>
    /// (0 = current), starting strictly after <paramref name="startAfterKey"/> when given, at most
    /// <paramref name="limit"/> items (0 = no limit). Throws <see cref="CompactedException"/> for a compacted revision
    /// and <see cref="FutureRevisionException"/> for a revision not yet written.
    /// </summary>
    ValueTask<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default);

    /// <summary>Counts keys starting with <paramref name="prefix"/> at the current revision.</summary>
    ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Creates the key if absent. On failure <see cref="WriteResult.Current"/> holds the existing value.</summary>
    ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the value when the key's mod revision equals <paramref name="expectedModRevision"/>.
    /// On failure <see cref="WriteResult.Current"/> holds the current value, or null when the key is absent.
    /// </summary>
    ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the key when its mod revision equals <paramref name="expectedModRevision"/> (0 = unconditionally).
    /// On success <see cref="WriteResult.Current"/> is the deleted value and <see cref="WriteResult.Revision"/> the delete's revision.
    /// On failure <see cref="WriteResult.Current"/> holds the current value, or null when the key is absent.
    /// </summary>
    ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams every change to keys starting with <paramref name="prefix"/> with a revision greater than
    /// <paramref name="afterRevision"/>, then live changes until cancelled. Throws <see cref="CompactedException"/>
    /// (when enumerated) if <paramref name="afterRevision"/> is below the compact revision.
    /// </summary>
    IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default);

    /// <summary>Drops history older than <paramref name="revision"/>: the latest value of every live key is kept.</summary>
    ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default);
}

/// <summary>One key's value at a revision.</summary>
/// <param name="Key">The full key, e.g. <c>/registry/configmaps/default/x</c>.</param>
/// <param name="Value">The stored bytes.</param>
/// <param name="CreateRevision">The revision that created this incarnation of the key.</param>
/// <param name="ModRevision">The revision of the last write to the key.</param>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);

/// <summary>The outcome of a conditional write.</summary>
/// <param name="Succeeded">Whether the condition held and the write was applied.</param>
/// <param name="Revision">The store revision after the operation (the write's own revision on success).</param>
/// <param name="Current">On success: the written value (for delete, the deleted one). On failure: the value that made it fail, or null.</param>
public readonly record struct WriteResult(bool Succeeded, long Revision, KeyValue? Current);

/// <summary>A page of a range read.</summary>
/// <param name="Items">The key-values, in key order.</param>
/// <param name="Revision">The revision the read was taken at.</param>
/// <param name="More">Whether more keys follow the last returned one.</param>
public sealed record RangeResult(IReadOnlyList<KeyValue> Items, long Revision, bool More);

/// <summary>The kind of a store change.</summary>
public enum StoreEventType
{
    /// <summary>A key was created or updated.</summary>
    Put,

    /// <summary>A key was deleted.</summary>
    Delete,
}

/// <summary>One change of one key.</summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Kv">For a put the new value; for a delete the key with the deleted value and <see cref="KeyValue.ModRevision"/> = the delete's revision.</param>
/// <param name="PrevKv">The value before the change, when there was one.</param>
public sealed record StoreEvent(StoreEventType Type, KeyValue Kv, KeyValue? PrevKv)
{
    /// <summary>The revision at which the change happened.</summary>
    public long Revision => Kv.ModRevision;
}

/// <summary>Thrown when a read or watch asks for a revision that compaction has removed.</summary>
public sealed class CompactedException(long requested, long compacted)
    : Exception($"required revision {requested} has been compacted (compacted up to {compacted})")
{
    public long RequestedRevision { get; } = requested;

    public long CompactRevision { get; } = compacted;
}

/// <summary>Thrown when a read asks for a revision newer than the store's current one.</summary>
public sealed class FutureRevisionException(long requested, long current)
    : Exception($"required revision {requested} is a future revision (current {current})")
{
    public long RequestedRevision { get; } = requested;

    public long CurrentRevision { get; } = current;
}
