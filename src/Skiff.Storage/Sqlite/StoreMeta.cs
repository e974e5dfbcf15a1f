namespace Skiff.Storage.Sqlite;

/// <summary>The meta row as seen by one transaction.</summary>
/// <param name="Revision">The last committed revision.</param>
/// <param name="CompactRevision">Reads below it fail; history at or below it is (being) deleted.</param>
/// <param name="CompactScanned">The revision up to which compaction has actually deleted superseded rows.</param>
internal readonly record struct StoreMeta(long Revision, long CompactRevision, long CompactScanned);
