using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// One read-only connection with its prepared statements. Not thread-safe: <see cref="ReadConnectionPool"/> hands
/// it to one caller at a time. Reads that need several statements run them in one deferred transaction, which in
/// WAL mode is a snapshot: the revision, the compact revision and the rows all come from the same commit, and the
/// writer is never blocked by it.
/// </summary>
internal sealed class ReadConnection : IDisposable
{
    private const string CurrentValueSql = "SELECT l.rev, l.create_rev, l.value FROM kv_current AS c JOIN kv_log AS l ON l.rev = c.rev WHERE c.key = @key";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _get;
    private readonly SqliteCommand _meta;

    // Prepared variants, indexed by Variant(exclusive lower bound, has upper bound).
    private readonly SqliteCommand?[] _rangeCurrent = new SqliteCommand?[4];
    private readonly SqliteCommand?[] _rangeAt = new SqliteCommand?[4];
    private readonly SqliteCommand?[] _count = new SqliteCommand?[4];
    private readonly SqliteCommand?[] _events = new SqliteCommand?[2];

    public ReadConnection(string connectionString, TimeSpan busyTimeout)
    {
        _connection = SqliteSchema.Open(connectionString, busyTimeout, readOnly: true);
        _get = Prepare(CurrentValueSql, "@key");
        _meta = Prepare(SqliteSchema.ReadMetaSql);
    }

    public KeyValue? Get(string key)
    {
        _get.Transaction = null;
        _get.Parameters[0].Value = key;
        using var reader = _get.ExecuteReader();
        return reader.Read() ? new KeyValue(key, ReadBlob(reader, 2), reader.GetInt64(1), reader.GetInt64(0)) : null;
    }

    public RangeResult Range(KeyRange range, long revision, string? startAfterKey, int limit, CancellationToken cancellationToken)
    {
        using var transaction = _connection.BeginTransaction(deferred: true);
        var meta = ReadMeta(transaction);
        if (revision > meta.Revision)
        {
            throw new FutureRevisionException(revision, meta.Revision);
        }

        if (revision != 0 && revision < meta.CompactRevision)
        {
            throw new CompactedException(revision, meta.CompactRevision);
        }

        var at = revision == 0 ? meta.Revision : revision;
        var (from, exclusive) = range.LowerBound(startAfterKey);
        var hasUpper = range.UpperBound is not null;
        var variant = Variant(exclusive, hasUpper);

        // At the snapshot's own revision kv_current holds exactly the answer; older revisions pick the newest row
        // at or below the revision per key from the history (the (key, rev) index makes that one seek per row).
        var command = at == meta.Revision
            ? _rangeCurrent[variant] ??= Prepare(RangeCurrentSql(exclusive, hasUpper), "@from", "@to")
            : _rangeAt[variant] ??= Prepare(RangeAtSql(exclusive, hasUpper), "@from", "@to", "@rev");
        command.Transaction = transaction;
        command.Parameters[0].Value = from;
        command.Parameters[1].Value = (object?)range.UpperBound ?? DBNull.Value;
        if (command.Parameters.Count > 2)
        {
            command.Parameters[2].Value = at;
        }

        var items = new List<KeyValue>(limit is > 0 and <= 1024 ? limit : 64);
        var more = false;
        using (var reader = command.ExecuteReader())
        {
            // No SQL LIMIT: rows come lazily in index order, so stopping after limit + 1 costs the same, and it
            // also works when rows outside a widened prefix range must be skipped.
            while (reader.Read())
            {
                var key = reader.GetString(0);
                if (range.NeedsFilter && !range.Contains(key))
                {
                    // Keys with the prefix are contiguous in key order: the first one past them ends the range.
                    break;
                }

                if (limit > 0 && items.Count == limit)
                {
                    more = true;
                    break;
                }

                items.Add(new KeyValue(key, ReadBlob(reader, 3), reader.GetInt64(2), reader.GetInt64(1)));
                if ((items.Count & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        transaction.Commit();
        return new RangeResult(items, at, more);
    }

    public long Count(KeyRange range)
    {
        var hasUpper = range.UpperBound is not null;
        var command = _count[(hasUpper ? 1 : 0) + (range.NeedsFilter ? 2 : 0)] ??= Prepare(CountSql(hasUpper, range.NeedsFilter), "@from", "@to");
        command.Transaction = null;
        command.Parameters[0].Value = range.Prefix;
        command.Parameters[1].Value = (object?)range.UpperBound ?? DBNull.Value;
        if (!range.NeedsFilter)
        {
            return (long)command.ExecuteScalar()!;
        }

        // A widened range (prefix ending in U+FFFF or a surrogate) returns keys instead of a count; rare enough
        // that counting in C# is fine.
        using var reader = command.ExecuteReader();
        long count = 0;
        while (reader.Read() && range.Contains(reader.GetString(0)))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> events of keys in <paramref name="range"/> with revisions in
    /// (<paramref name="after"/>, <paramref name="end"/>], or up to the snapshot's revision when end is 0.
    /// Throws <see cref="CompactedException"/> when revisions after <paramref name="after"/> have been compacted.
    /// </summary>
    public EventPage ReadEvents(KeyRange range, long after, long end, int max)
    {
        using var transaction = _connection.BeginTransaction(deferred: true);
        var meta = ReadMeta(transaction);
        if (after < meta.CompactRevision)
        {
            throw new CompactedException(after, meta.CompactRevision);
        }

        var hasUpper = range.UpperBound is not null;
        var command = _events[hasUpper ? 1 : 0] ??= Prepare(EventsSql(hasUpper), "@from", "@to", "@after", "@end", "@limit");
        if (end == 0 || end > meta.Revision)
        {
            end = meta.Revision;
        }

        command.Transaction = transaction;
        command.Parameters[0].Value = range.Prefix;
        command.Parameters[1].Value = (object?)range.UpperBound ?? DBNull.Value;
        command.Parameters[2].Value = after;
        command.Parameters[3].Value = end;
        command.Parameters[4].Value = max;

        var events = new List<StoreEvent>();
        var scanned = after;
        var rows = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows++;
                var revision = reader.GetInt64(0);
                var key = reader.GetString(1);
                scanned = revision;
                if (range.NeedsFilter && !range.Contains(key))
                {
                    continue;
                }

                var createRevision = reader.GetInt64(2);
                var previous = reader.IsDBNull(5) ? null : new KeyValue(key, ReadBlob(reader, 7), reader.GetInt64(6), reader.GetInt64(5));
                events.Add(reader.GetInt64(3) != 0
                    ? new StoreEvent(StoreEventType.Delete, new KeyValue(key, previous?.Value ?? ReadOnlyMemory<byte>.Empty, createRevision, revision), previous)
                    : new StoreEvent(StoreEventType.Put, new KeyValue(key, ReadBlob(reader, 4), createRevision, revision), previous));
            }
        }

        transaction.Commit();
        var exhausted = rows < max;
        return new EventPage(events, exhausted ? Math.Max(end, after) : scanned, exhausted, meta.Revision);
    }

    /// <summary>Counts history rows, for tests and diagnostics.</summary>
    public long CountHistoryRows()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM kv_log";
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose() => _connection.Dispose();

    private StoreMeta ReadMeta(SqliteTransaction transaction)
    {
        _meta.Transaction = transaction;
        using var reader = _meta.ExecuteReader();
        reader.Read();
        return new StoreMeta(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    internal static ReadOnlyMemory<byte> ReadBlob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? ReadOnlyMemory<byte>.Empty : reader.GetFieldValue<byte[]>(ordinal);

    private static int Variant(bool exclusive, bool hasUpper) => (exclusive ? 2 : 0) + (hasUpper ? 1 : 0);

    private static string Lower(string column, bool exclusive) => $"{column} {(exclusive ? ">" : ">=")} @from";

    // @to is bound (possibly to NULL) in every variant so parameter positions stay fixed; SQL without the upper
    // bound simply never references it, which SQLite allows.
    private static string Upper(string column, bool hasUpper) => hasUpper ? $" AND {column} < @to" : " AND @to IS NULL";

    private static string RangeCurrentSql(bool exclusive, bool hasUpper) => $"""
        SELECT c.key, l.rev, l.create_rev, l.value
        FROM kv_current AS c JOIN kv_log AS l ON l.rev = c.rev
        WHERE {Lower("c.key", exclusive)}{Upper("c.key", hasUpper)}
        ORDER BY c.key
        """;

    private static string RangeAtSql(bool exclusive, bool hasUpper) => $"""
        SELECT l.key, l.rev, l.create_rev, l.value
        FROM kv_log AS l
        WHERE {Lower("l.key", exclusive)}{Upper("l.key", hasUpper)} AND l.rev <= @rev AND l.deleted = 0
          AND l.rev = (SELECT MAX(x.rev) FROM kv_log AS x WHERE x.key = l.key AND x.rev <= @rev)
        ORDER BY l.key
        """;

    private static string CountSql(bool hasUpper, bool needsFilter) => needsFilter
        ? $"SELECT key FROM kv_current WHERE key >= @from{Upper("key", hasUpper)} ORDER BY key"
        : $"SELECT COUNT(*) FROM kv_current WHERE key >= @from{Upper("key", hasUpper)}";

    // NOT INDEXED keeps SQLite on the rowid (revision) range: events must come in revision order, and the key
    // index would make it sort the whole prefix's history for every page.
    private static string EventsSql(bool hasUpper) => $"""
        SELECT l.rev, l.key, l.create_rev, l.deleted, l.value, p.rev, p.create_rev, p.value
        FROM kv_log AS l NOT INDEXED LEFT JOIN kv_log AS p ON p.rev = l.prev_rev
        WHERE l.rev > @after AND l.rev <= @end AND l.key >= @from{Upper("l.key", hasUpper)}
        ORDER BY l.rev
        LIMIT @limit
        """;
}
