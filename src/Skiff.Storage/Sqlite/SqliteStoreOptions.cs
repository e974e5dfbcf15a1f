namespace Skiff.Storage.Sqlite;

/// <summary>Settings of the embedded SQLite store.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Path of the database file; its folder is created when missing. The WAL and a lock file sit beside it.</summary>
    public string DatabasePath { get; set; } = "skiff.db";

    /// <summary>
    /// How many recent revisions periodic compaction keeps (default 1000). Reads and watches from older
    /// revisions fail with <see cref="CompactedException"/>, which clients answer by relisting.
    /// </summary>
    public long CompactionKeepRevisions { get; set; } = 1000;

    /// <summary>
    /// How often history is compacted (default 5 minutes, as kube-apiserver compacts etcd).
    /// <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> turns periodic compaction off.
    /// </summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a connection waits for a SQLite lock before failing (default 5 s); only matters if another process touches the file.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most writes committed in one transaction (default 1000).</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Events buffered per watcher before it is dropped with <see cref="WatchOverflowException"/> (default 10,000).</summary>
    public int WatchBufferSize { get; set; } = 10_000;

    /// <summary>Idle read connections kept open for reuse (default 8); more are opened under load and closed after.</summary>
    public int MaxIdleReadConnections { get; set; } = 8;

    /// <summary>
    /// Revisions scanned per compaction transaction. Compaction runs on the writer between write batches, so this
    /// bounds how long one compaction step can delay writes. Internal: tests shrink it to exercise resumption.
    /// </summary>
    internal long CompactionChunkRevisions { get; set; } = 2_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatabasePath))
        {
            throw new ArgumentException("SqliteStoreOptions.DatabasePath must name a file", nameof(DatabasePath));
        }

        if (CompactionKeepRevisions < 0)
        {
            throw new ArgumentException($"SqliteStoreOptions.CompactionKeepRevisions must be >= 0, not {CompactionKeepRevisions}", nameof(CompactionKeepRevisions));
        }

        if (CompactionInterval < TimeSpan.Zero && CompactionInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"SqliteStoreOptions.CompactionInterval must be positive, zero or infinite, not {CompactionInterval}", nameof(CompactionInterval));
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentException($"SqliteStoreOptions.BusyTimeout must be between 0 and {int.MaxValue} ms, not {BusyTimeout}", nameof(BusyTimeout));
        }

        if (MaxBatchSize < 1)
        {
            throw new ArgumentException($"SqliteStoreOptions.MaxBatchSize must be >= 1, not {MaxBatchSize}", nameof(MaxBatchSize));
        }

        if (WatchBufferSize < 1)
        {
            throw new ArgumentException($"SqliteStoreOptions.WatchBufferSize must be >= 1, not {WatchBufferSize}", nameof(WatchBufferSize));
        }

        if (MaxIdleReadConnections < 0)
        {
            throw new ArgumentException($"SqliteStoreOptions.MaxIdleReadConnections must be >= 0, not {MaxIdleReadConnections}", nameof(MaxIdleReadConnections));
        }

        if (CompactionChunkRevisions < 1)
        {
            throw new ArgumentException($"SqliteStoreOptions.CompactionChunkRevisions must be >= 1, not {CompactionChunkRevisions}", nameof(CompactionChunkRevisions));
        }
    }

    internal bool PeriodicCompaction => CompactionInterval > TimeSpan.Zero && CompactionInterval != Timeout.InfiniteTimeSpan;
}
