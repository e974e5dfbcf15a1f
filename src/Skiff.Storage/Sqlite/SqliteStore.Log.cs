using Microsoft.Extensions.Logging;

namespace Skiff.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private static partial class Log
    {
        // Event IDs 1-19 belong to SqliteStore; highest in use: 3. SqliteWriter uses 20-39, WatchHub 40-49.
        [LoggerMessage(1, LogLevel.Information, "Opened store {Path} at revision {Revision} (compacted up to {CompactRevision})", EventName = "Opened")]
        public static partial void Opened(ILogger logger, string path, long revision, long compactRevision);

        [LoggerMessage(2, LogLevel.Information, "Closed store {Path} at revision {Revision}", EventName = "Closed")]
        public static partial void Closed(ILogger logger, string path, long revision);

        [LoggerMessage(3, LogLevel.Error, "Periodic compaction to revision {Revision} failed; it is retried at the next interval", EventName = "PeriodicCompactionFailed")]
        public static partial void PeriodicCompactionFailed(ILogger logger, long revision, Exception ex);
    }
}
