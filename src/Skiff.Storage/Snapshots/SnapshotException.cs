namespace Skiff.Storage.Snapshots;

/// <summary>A snapshot file that cannot be used: not a Skiff snapshot, from an unknown format version, truncated or corrupt.</summary>
public sealed class SnapshotException(string message, Exception? innerException = null) : Exception(message, innerException);
