namespace Skiff.Storage.Sqlite;

/// <summary>The revisions the writer has committed, published for lock-free reads by every other thread.</summary>
internal sealed class StoreState(long revision, long compactRevision)
{
    private long _revision = revision;
    private long _compactRevision = compactRevision;

    public long Revision => Volatile.Read(ref _revision);

    public long CompactRevision => Volatile.Read(ref _compactRevision);

    /// <summary>Called by the writer only after the revision's transaction has committed.</summary>
    public void PublishRevision(long revision) => Volatile.Write(ref _revision, revision);

    public void PublishCompactRevision(long revision) => Volatile.Write(ref _compactRevision, revision);
}
