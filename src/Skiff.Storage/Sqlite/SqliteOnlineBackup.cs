using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// Copies a store database with SQLite's online backup API from a read-only connection: the copy is one consistent
/// state of the database even while a server keeps writing to it (the server's lock file is not needed for this).
/// </summary>
public static class SqliteOnlineBackup
{
    /// <summary>Copies <paramref name="databasePath"/> to <paramref name="destinationPath"/> (overwritten).</summary>
    public static void Copy(string databasePath, string destinationPath)
    {
        if (!File.Exists(databasePath))
        {
            throw new SqliteStoreException($"database '{databasePath}' does not exist", null);
        }

        try
        {
            File.Delete(destinationPath);
            using var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destinationPath, Pooling = false }.ToString());
            source.Open();
            destination.Open();
            source.BackupDatabase(destination);
        }
        catch (SqliteException ex)
        {
            throw new SqliteStoreException($"online backup of database '{databasePath}' failed: {ex.Message}", ex);
        }
    }
}
