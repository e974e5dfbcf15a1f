namespace Skiff.Storage.Sqlite;

/// <summary>A SQLite failure (I/O error, full disk, locked or corrupt file) while serving a store operation; the message names the key or prefix.</summary>
public sealed class SqliteStoreException(string message, Exception? innerException) : Exception(message, innerException);
