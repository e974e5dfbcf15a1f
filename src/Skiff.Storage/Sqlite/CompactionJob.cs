namespace Skiff.Storage.Sqlite;

/// <summary>A compaction in progress on the writer, done a chunk of revisions per transaction.</summary>
internal sealed class CompactionJob(long target, long scanned)
{
    /// <summary>Rows superseded at or below this revision are deleted; raised when a later request asks for more.</summary>
    public long Target { get; set; } = target;

    /// <summary>Superseded rows are gone up to this revision.</summary>
    public long Scanned { get; set; } = scanned;

    /// <summary>Whether <see cref="Target"/> has been stored as the compact revision yet.</summary>
    public bool TargetRecorded { get; set; }

    public long RowsDeleted { get; set; }

    public long StartTimestamp { get; init; }

    public List<WriteOp> Waiters { get; } = [];
}
