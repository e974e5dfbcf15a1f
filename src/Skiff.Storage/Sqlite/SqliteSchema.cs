using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>The tables, the connection settings and the schema version of the store's database.</summary>
internal static class SqliteSchema
{
    public const int Version = 1;

    // kv_log is the history, one row per revision, as kine keeps it. rev is the rowid, so replaying by revision and
    // compacting revision ranges are b-tree range scans. A tombstone stores no value: the deleted value is the row
    // at prev_rev, which compaction keeps for as long as the tombstone is above the compact revision.
    // kv_current maps each live key to its latest revision; reads at the current revision (GET, LIST, counts) use it
    // instead of picking the latest row per key out of the history.
    // meta holds the revision counter (it survives compaction of every row), the compact revision, and how far
    // compaction has deleted, so an interrupted compaction resumes at the next start.
    private const string CreateSql = """
        CREATE TABLE kv_log (
            rev        INTEGER PRIMARY KEY,
            key        TEXT    NOT NULL,
            create_rev INTEGER NOT NULL,
            prev_rev   INTEGER NOT NULL,
            deleted    INTEGER NOT NULL,
            value      BLOB
        );
        CREATE INDEX kv_log_key_rev ON kv_log (key, rev);
        CREATE TABLE kv_current (
            key TEXT PRIMARY KEY,
            rev INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE meta (
            id              INTEGER PRIMARY KEY CHECK (id = 1),
            rev             INTEGER NOT NULL,
            compact_rev     INTEGER NOT NULL,
            compact_scanned INTEGER NOT NULL
        );
        INSERT INTO meta (id, rev, compact_rev, compact_scanned) VALUES (1, 0, 0, 0);
        PRAGMA user_version = 1;
        """;

    public const string ReadMetaSql = "SELECT rev, compact_rev, compact_scanned FROM meta WHERE id = 1";

    public static string ConnectionString(string path, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,

        // The store keeps its own connections open for their whole life, with their prepared statements.
        Pooling = false,

        // Microsoft.Data.Sqlite retries a busy statement for this many seconds on top of SQLite's busy_timeout;
        // keep it in line with the configured timeout rather than its default of 30 s.
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    /// <summary>Opens a connection with the store's settings; read connections refuse writes.</summary>
    public static SqliteConnection Open(string connectionString, TimeSpan busyTimeout, bool readOnly)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();

            // synchronous=NORMAL in WAL mode: a commit write()s its WAL frames to the OS before it returns, and only
            // checkpoints fsync. Data handed to the OS survives the process being killed (even with kill -9), which is
            // the durability the store promises; an OS crash or power loss may lose the last commits but never
            // corrupts the file. FULL would fsync every commit (about 10x slower here) for the power-loss case.
            var pragmas = string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;");
            if (readOnly)
            {
                pragmas += " PRAGMA query_only = 1;";
            }

            using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Switches the file to WAL and creates the tables when the file is new; returns the stored counters.</summary>
    public static StoreMeta Initialize(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();

        // WAL lets readers run on their own connections while the writer commits; the mode is stored in the file.
        // The WAL is checkpointed into the database every 1000 pages (SQLite's default wal_autocheckpoint, run by the
        // writer as it commits); journal_size_limit truncates it back after a checkpoint so a burst of writes does
        // not leave a large file behind.
        command.CommandText = "PRAGMA journal_size_limit = 67108864";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqliteStoreException($"database '{path}' cannot use write-ahead logging (journal_mode is '{mode}'); is it on a filesystem without shared memory support?", null);
        }

        command.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > Version)
        {
            throw new SqliteStoreException($"database '{path}' has schema version {version}; this build understands up to {Version}", null);
        }

        if (version == 0)
        {
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            command.CommandText = CreateSql;
            command.ExecuteNonQuery();
            transaction.Commit();
            command.Transaction = null;
        }

        command.CommandText = ReadMetaSql;
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new SqliteStoreException($"database '{path}' has no meta row; the file is damaged", null);
        }

        return new StoreMeta(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
